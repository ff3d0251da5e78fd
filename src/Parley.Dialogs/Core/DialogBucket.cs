namespace Parley.Dialogs.Core;

/// <summary>
/// One bucket of the dialog table: an intrusive list of the dialogs whose Call-ID hashes here, in link order, its
/// <c>next_id</c> and its lock. The lock guards the list and every dialog in it (OpenSIPS's <c>dlg_lock</c> is the
/// bucket lock too), so a dialog needs no lock object of its own.
/// </summary>
internal sealed class DialogBucket
{
    public DialogBucket(uint entry, uint firstId)
    {
        Entry = entry;
        NextId = firstId;
    }

    public uint Entry { get; }

    public Lock Gate { get; } = new();

    public Dialog? First { get; set; }

    public Dialog? Last { get; set; }

    /// <summary>The <c>h_id</c> the next linked dialog gets (starts random, wraps at 2³², as OpenSIPS).</summary>
    public uint NextId { get; set; }

    public int Count { get; set; }
}
