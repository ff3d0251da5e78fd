using System.Text;

namespace Parley.Cli;

/// <summary>
/// Splits a string into words as Python's <c>shlex.split</c> (POSIX mode) does; opensips-cli uses it for the value of
/// an array parameter given by name (<c>statistics="dialog: tm:"</c>).
/// </summary>
internal static class ShellWords
{
    /// <summary>The words of <paramref name="text"/>; throws <see cref="CliUsageException"/> on an unclosed quote or a trailing backslash.</summary>
    public static List<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }

                i++;
                continue;
            }

            inWord = true;
            if (c == '\\')
            {
                if (i + 1 >= text.Length)
                {
                    throw new CliUsageException($"cannot split '{text}': no escaped character after the final backslash");
                }

                word.Append(text[i + 1]);
                i += 2;
            }
            else if (c == '\'')
            {
                int end = text.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    throw new CliUsageException($"cannot split '{text}': no closing quotation");
                }

                word.Append(text, i + 1, end - i - 1);
                i = end + 1;
            }
            else if (c == '"')
            {
                i = ReadDoubleQuoted(text, i + 1, word);
            }
            else
            {
                word.Append(c);
                i++;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>Inside double quotes a backslash escapes only <c>"</c> and <c>\</c>; any other backslash stays.</summary>
    private static int ReadDoubleQuoted(string text, int i, StringBuilder word)
    {
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '"')
            {
                return i + 1;
            }

            if (c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\')
            {
                word.Append(text[i + 1]);
                i += 2;
                continue;
            }

            word.Append(c);
            i++;
        }

        throw new CliUsageException($"cannot split '{text}': no closing quotation");
    }
}
