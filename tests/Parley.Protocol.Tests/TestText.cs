using System.Text;

namespace Parley.Protocol.Tests;

/// <summary>Byte/string helpers for tests. Latin-1 keeps one char per octet, so any octet can be written as \xNN.</summary>
internal static class TestText
{
    public static byte[] Bytes(string s) => Encoding.Latin1.GetBytes(s);

    public static string Str(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    public static string Str(byte[] text, ByteRange range) => Encoding.Latin1.GetString(text, range.Start, range.Length);
}
