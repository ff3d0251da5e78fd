namespace Parley.Protocol.Headers;

/// <summary>CSeq (RFC 3261 §8.1.1.5): a 32-bit unsigned sequence number and the method.</summary>
public readonly record struct CSeqValue(uint Number, SipMethod Method, ByteRange MethodName);
