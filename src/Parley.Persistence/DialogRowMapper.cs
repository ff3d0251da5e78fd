using System.Data.Common;
using Parley.Dialogs.Persistence;

namespace Parley.Persistence;

/// <summary>
/// <see cref="DialogRow"/> ↔ column values, by index into <see cref="DialogSchemaSql.Columns"/>. Unsigned 32-bit values
/// (ping CSeqs, flags, module_flags) go to PostgreSQL's int4 as <c>unchecked((int)v)</c> and come back through
/// <c>unchecked((uint)…)</c>; SQLite's INTEGER is 64-bit and keeps them as they are. dlg_id is stored as
/// <c>unchecked((long)id)</c>.
/// </summary>
internal static class DialogRowMapper
{
    public const int ColumnCount = 29;

    public static object Value(DialogRow row, int column, DbEngine engine)
    {
        var pg = engine == DbEngine.Postgres;
        return column switch
        {
            0 => unchecked((long)row.DialogId),
            1 => (object?)row.CallId ?? DBNull.Value, // a null reaches the NOT NULL constraint, which names the column
            2 => (object?)row.FromUri ?? DBNull.Value, // a null reaches the NOT NULL constraint, which names the column
            3 => (object?)row.FromTag ?? DBNull.Value, // a null reaches the NOT NULL constraint, which names the column
            4 => (object?)row.ToUri ?? DBNull.Value, // a null reaches the NOT NULL constraint, which names the column
            5 => (object?)row.ToTag ?? DBNull.Value, // a null reaches the NOT NULL constraint, which names the column
            6 => (object?)row.MangledFromUri ?? DBNull.Value,
            7 => (object?)row.MangledToUri ?? DBNull.Value,
            8 => (object?)row.CallerCSeq ?? DBNull.Value, // a null reaches the NOT NULL constraint, which names the column
            9 => (object?)row.CalleeCSeq ?? DBNull.Value, // a null reaches the NOT NULL constraint, which names the column
            10 => Unsigned(row.CallerPingCSeq, pg),
            11 => Unsigned(row.CalleePingCSeq, pg),
            12 => (object?)row.CallerRouteSet ?? DBNull.Value,
            13 => (object?)row.CalleeRouteSet ?? DBNull.Value,
            14 => (object?)row.CallerContact ?? DBNull.Value,
            15 => (object?)row.CalleeContact ?? DBNull.Value,
            16 => (object?)row.CallerSocket ?? DBNull.Value, // a null reaches the NOT NULL constraint, which names the column
            17 => (object?)row.CalleeSocket ?? DBNull.Value, // a null reaches the NOT NULL constraint, which names the column
            18 => row.State,
            19 => Seconds(row.StartTime, pg),
            20 => Seconds(row.Timeout, pg),
            21 => (object?)row.Vars ?? DBNull.Value,
            22 => (object?)row.Profiles ?? DBNull.Value,
            23 => (object?)row.ScriptFlags ?? DBNull.Value,
            24 => Unsigned(row.ModuleFlags, pg),
            25 => Unsigned(row.Flags, pg),
            26 => (object?)row.RouteOnAnswer ?? DBNull.Value,
            27 => (object?)row.RouteOnTimeout ?? DBNull.Value,
            28 => (object?)row.RouteOnHangup ?? DBNull.Value,
            _ => throw new ArgumentOutOfRangeException(nameof(column)),
        };
    }

    /// <summary>A row from a reader positioned on a row of <see cref="DialogSchemaSql.Select"/>.</summary>
    public static DialogRow Read(DbDataReader r)
    {
        return new DialogRow
        {
            DialogId = unchecked((ulong)r.GetInt64(0)),
            CallId = TextOrEmpty(r, 1),
            FromUri = TextOrEmpty(r, 2),
            FromTag = TextOrEmpty(r, 3),
            ToUri = TextOrEmpty(r, 4),
            ToTag = TextOrEmpty(r, 5),
            MangledFromUri = Text(r, 6),
            MangledToUri = Text(r, 7),
            CallerCSeq = TextOrEmpty(r, 8),
            CalleeCSeq = TextOrEmpty(r, 9),
            CallerPingCSeq = UInt(r, 10),
            CalleePingCSeq = UInt(r, 11),
            CallerRouteSet = Text(r, 12),
            CalleeRouteSet = Text(r, 13),
            CallerContact = Text(r, 14),
            CalleeContact = Text(r, 15),
            CallerSocket = TextOrEmpty(r, 16),
            CalleeSocket = TextOrEmpty(r, 17),
            State = (int)Long(r, 18),
            StartTime = Long(r, 19),
            Timeout = Long(r, 20),
            Vars = Bytes(r, 21),
            Profiles = Text(r, 22),
            ScriptFlags = Text(r, 23),
            ModuleFlags = UInt(r, 24),
            Flags = UInt(r, 25),
            RouteOnAnswer = Text(r, 26),
            RouteOnTimeout = Text(r, 27),
            RouteOnHangup = Text(r, 28),
        };
    }

    private static object Unsigned(uint value, bool pg) => pg ? unchecked((int)value) : (long)value;

    /// <summary>Unix seconds: PostgreSQL's int4 column saturates rather than wrapping to a past (negative) time.</summary>
    private static object Seconds(long value, bool pg) => pg ? (int)Math.Clamp(value, int.MinValue, int.MaxValue) : value;

    private static byte[]? Bytes(DbDataReader r, int i) => r.IsDBNull(i)
        ? null
        : r.GetValue(i) switch
        {
            byte[] bytes => bytes,
            string text => System.Text.Encoding.UTF8.GetBytes(text), // a BLOB column SQLite was given as text
            var other => throw new InvalidDataException($"vars column holds a {other.GetType().Name}"),
        };

    private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static string TextOrEmpty(DbDataReader r, int i) => r.IsDBNull(i) ? string.Empty : r.GetString(i);

    private static long Long(DbDataReader r, int i) => r.IsDBNull(i) ? 0 : Convert.ToInt64(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);

    private static uint UInt(DbDataReader r, int i) => unchecked((uint)Long(r, i));
}
