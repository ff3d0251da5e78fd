using Parley.Dialogs.Persistence;
using Parley.Dialogs.Profiles;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs.Core;

/// <summary>What scripts attach to a dialog: profiles (opensips-behaviour.md §4), flags and values (manual §1.7.11–1.7.20).</summary>
public sealed partial class DialogManager
{
    /// <summary>Most dialog flags a configuration can name (OpenSIPS keeps them in 32 bits).</summary>
    public const int MaxFlags = 32;

    /// <summary>
    /// <c>set_dlg_profile(profile[, value[, clear_values]])</c>: adds a membership (the value is ignored for a profile
    /// without values); <paramref name="clearValues"/> first drops the dialog's other values of that profile.
    /// </summary>
    public int SetProfile(Dialog dialog, DialogProfile profile, string? value, bool clearValues = false)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        ArgumentNullException.ThrowIfNull(profile);
        if (!profile.HasValue)
        {
            value = null;
        }
        else if (value is null)
        {
            return -1;
        }

        lock (dialog.Bucket.Gate)
        {
            if (dialog.State == DialogState.Deleted)
            {
                return -1;
            }

            var links = dialog.Profiles ??= new List<ProfileLink>(1); // most dialogs sit in one profile; the default 4 slots cost 24 B more per dialog
            if (clearValues)
            {
                for (var i = links.Count - 1; i >= 0; i--)
                {
                    if (links[i].Profile == profile)
                    {
                        links[i].Profile.Decrement(links[i].Bucket, links[i].Value);
                        links.RemoveAt(i);
                    }
                }
            }

            var bucket = profile.BucketOf(value, dialog.Id);
            profile.Increment(bucket, value);
            links.Insert(0, new ProfileLink(profile, value, bucket));
            MarkDbLocked(dialog, DialogDbFlags.ValuesChanged);
        }

        return 1;
    }

    /// <summary>
    /// <c>unset_dlg_profile(profile[, value])</c>: removes the membership with <paramref name="value"/>, or every
    /// membership in the profile when it is null; -1 when the dialog was not in it.
    /// </summary>
    public int UnsetProfile(Dialog dialog, DialogProfile profile, string? value)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        ArgumentNullException.ThrowIfNull(profile);
        var removed = false;
        lock (dialog.Bucket.Gate)
        {
            if (dialog.Profiles is not { } links)
            {
                return -1;
            }

            for (var i = links.Count - 1; i >= 0; i--)
            {
                var link = links[i];
                if (link.Profile == profile && (value is null || !profile.HasValue || link.Value == value))
                {
                    profile.Decrement(link.Bucket, link.Value);
                    links.RemoveAt(i);
                    removed = true;
                }
            }

            if (removed)
            {
                MarkDbLocked(dialog, DialogDbFlags.ValuesChanged);
            }
        }

        return removed ? 1 : -1;
    }

    /// <summary><c>is_in_profile(profile[, value])</c>: without a value (or for a profile without values) any membership counts.</summary>
    public bool IsInProfile(Dialog dialog, DialogProfile profile, string? value)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        ArgumentNullException.ThrowIfNull(profile);
        lock (dialog.Bucket.Gate)
        {
            if (dialog.Profiles is not { } links)
            {
                return false;
            }

            foreach (var link in links)
            {
                if (link.Profile == profile && (value is null || !profile.HasValue || link.Value == value))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Leaves every profile (failure, BYE, expiry): each count goes down exactly once.</summary>
    internal static void RemoveFromProfiles(Dialog dialog)
    {
        lock (dialog.Bucket.Gate)
        {
            if (dialog.Profiles is not { Count: > 0 } links)
            {
                return;
            }

            foreach (var link in links)
            {
                link.Profile.Decrement(link.Bucket, link.Value);
            }

            links.Clear();
        }
    }

    /// <summary>The bit of a dialog flag name, allocated on first use (at compile time); -1 when all 32 are taken.</summary>
    public int FlagBit(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_flagNames)
        {
            var index = _flagNames.IndexOf(name);
            if (index >= 0)
            {
                return index;
            }

            if (_flagNames.Count == MaxFlags)
            {
                return -1;
            }

            _flagNames.Add(name);
            return _flagNames.Count - 1;
        }
    }

    /// <summary>The names of the set flags, space-separated (<c>$DLG_flags</c>, MI <c>user_flags</c>).</summary>
    public string FlagNames(uint flags)
    {
        if (flags == 0)
        {
            return string.Empty;
        }

        var b = new System.Text.StringBuilder();
        lock (_flagNames)
        {
            for (var i = 0; i < _flagNames.Count; i++)
            {
                if ((flags & (1u << i)) != 0)
                {
                    if (b.Length > 0)
                    {
                        b.Append(' ');
                    }

                    b.Append(_flagNames[i]);
                }
            }
        }

        return b.ToString();
    }

    public void SetFlag(Dialog dialog, int bit, bool value)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        lock (dialog.Bucket.Gate)
        {
            dialog.UserFlags = value ? dialog.UserFlags | (1u << bit) : dialog.UserFlags & ~(1u << bit);
            MarkDbLocked(dialog, DialogDbFlags.ValuesChanged);
        }
    }

    public bool IsFlagSet(Dialog dialog, int bit)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        lock (dialog.Bucket.Gate)
        {
            return (dialog.UserFlags & (1u << bit)) != 0;
        }
    }

    /// <summary>
    /// <c>test_and_set_dlg_flag(flag, value)</c>: under the dialog's lock, when the flag equals <paramref name="value"/>
    /// it is flipped and the result is true.
    /// </summary>
    public bool TestAndSetFlag(Dialog dialog, int bit, bool value)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        lock (dialog.Bucket.Gate)
        {
            var mask = 1u << bit;
            if (((dialog.UserFlags & mask) != 0) != value)
            {
                return false;
            }

            dialog.UserFlags ^= mask;
            MarkDbLocked(dialog, DialogDbFlags.ValuesChanged);
            return true;
        }
    }

    public uint GetFlags(Dialog dialog)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        lock (dialog.Bucket.Gate)
        {
            return dialog.UserFlags;
        }
    }

    /// <summary><c>$dlg_val(name) = value</c> / <c>store_dlg_value</c>; NULL removes the value.</summary>
    public void SetValue(Dialog dialog, string name, ScriptValue value)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        ArgumentNullException.ThrowIfNull(name);
        value = value.Materialize();
        lock (dialog.Bucket.Gate)
        {
            var values = dialog.Values ??= new List<DialogValue>(2);
            for (var i = 0; i < values.Count; i++)
            {
                if (values[i].Name == name)
                {
                    if (value.IsNull)
                    {
                        values.RemoveAt(i);
                    }
                    else
                    {
                        values[i].Value = value;
                    }

                    MarkDbLocked(dialog, DialogDbFlags.ValuesChanged);
                    return;
                }
            }

            if (!value.IsNull)
            {
                values.Insert(0, new DialogValue(name, value));
                MarkDbLocked(dialog, DialogDbFlags.ValuesChanged);
            }
        }
    }

    /// <summary><c>$dlg_val(name)</c> / <c>fetch_dlg_value</c>.</summary>
    public bool TryGetValue(Dialog dialog, string name, out ScriptValue value)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        lock (dialog.Bucket.Gate)
        {
            if (dialog.Values is { } values)
            {
                foreach (var v in values)
                {
                    if (v.Name == name)
                    {
                        value = v.Value;
                        return true;
                    }
                }
            }
        }

        value = ScriptValue.Null;
        return false;
    }

    /// <summary>Arms one of the dialog's script routes (<c>dlg_on_answer/timeout/hangup</c>); null disarms it.</summary>
    internal static void SetRoute(Dialog dialog, DialogRouteKind kind, RouteHandle? route)
    {
        lock (dialog.Bucket.Gate)
        {
            switch (kind)
            {
                case DialogRouteKind.Answer: dialog.OnAnswerRoute = route; break;
                case DialogRouteKind.Timeout: dialog.OnTimeoutRoute = route; break;
                default: dialog.OnHangupRoute = route; break;
            }
        }
    }
}

/// <summary>Which per-dialog route is armed.</summary>
internal enum DialogRouteKind
{
    Answer,
    Timeout,
    Hangup,
}

/// <summary>Runs a dialog's script route with the dialog as the context's dialog and no real SIP message.</summary>
internal interface IDialogRouteRunner
{
    void Run(Dialog dialog, RouteHandle route);
}
