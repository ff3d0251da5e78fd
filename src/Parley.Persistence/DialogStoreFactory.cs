using Parley.Dialogs.Persistence;

namespace Parley.Persistence;

/// <summary>
/// Opens dialog stores from <c>db_url</c>s: <c>sqlite://…</c> (<see cref="SqliteDialogStore"/>) and
/// <c>postgres://…</c>/<c>postgresql://…</c> (<see cref="PostgresDialogStore"/>). <c>mysql://</c> is recognised and
/// refused with the reason (no MySQL connector is installable here); anything else is refused with the accepted forms.
/// </summary>
public sealed class DialogStoreFactory : IDialogStoreFactory
{
    public string? Check(string url) => DbUrl.TryParse(url, out _, out var error) ? null : error;

    public IDialogStore Open(string url, DialogTableSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (!DbUrl.TryParse(url, out var parsed, out var error))
        {
            throw new ArgumentException(error, nameof(url));
        }

        return parsed!.Engine == DbEngine.Sqlite
            ? new SqliteDialogStore(parsed.FilePath, schema)
            : new PostgresDialogStore(parsed, schema);
    }
}
