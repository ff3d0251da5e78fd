namespace Parley.Protocol;

/// <summary>Methods a proxy treats specially. Anything else is <see cref="Unknown"/> and is compared by its text.</summary>
public enum SipMethod : byte
{
    Unknown = 0,
    Invite,
    Ack,
    Bye,
    Cancel,
    Options,
    Register,
    Prack,
    Subscribe,
    Notify,
    Publish,
    Info,
    Refer,
    Message,
    Update,
}
