using System.Buffers;
using System.Globalization;
using System.Text;

namespace Probes.Consumer.Output;

/// <summary>
/// Makes text that a target controls safe to print on the operator's terminal. Phase names,
/// string arguments, comm names, probe names from notes and file paths all come from the
/// traced program or its container; an escape sequence among them could retitle the window,
/// rewrite what is on screen, or (on some terminals) answer back into the shell. Control
/// characters (C0, DEL, C1) and the bidirectional overrides that reorder what is shown
/// ("Trojan Source") are written as visible escapes (<c>\x1b</c>, <c>\u202e</c>). Everything
/// else, including any non-ASCII text, passes unchanged. JSON output escapes the same set
/// (<see cref="Json.OutputJson"/>) as JSON escapes instead.
/// </summary>
public static class TerminalText
{
    private static readonly SearchValues<char> Unsafe = SearchValues.Create(UnsafeCharacters());

    /// <summary>The text itself when it holds nothing unsafe (no allocation), else an escaped copy.</summary>
    public static string Safe(string text)
    {
        int first = text.AsSpan().IndexOfAny(Unsafe);
        if (first < 0)
        {
            return text;
        }
        var escaped = new StringBuilder(text.Length + 16);
        escaped.Append(text, 0, first);
        AppendEscaped(escaped, text.AsSpan(first));
        return escaped.ToString();
    }

    /// <summary>Whether a terminal would act on <paramref name="c"/> or reorder the text around it (the set the JSON encoder escapes too).</summary>
    public static bool IsUnsafe(char c) => Unsafe.Contains(c);

    /// <summary>The index of the first unsafe character, or -1.</summary>
    public static int IndexOfUnsafe(ReadOnlySpan<char> text) => text.IndexOfAny(Unsafe);

    /// <summary>Appends <paramref name="text"/> with unsafe characters escaped.</summary>
    public static StringBuilder AppendSafe(this StringBuilder builder, ReadOnlySpan<char> text)
    {
        int first = text.IndexOfAny(Unsafe);
        if (first < 0)
        {
            return builder.Append(text);
        }
        builder.Append(text[..first]);
        AppendEscaped(builder, text[first..]);
        return builder;
    }

    private static void AppendEscaped(StringBuilder builder, ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!Unsafe.Contains(c))
            {
                builder.Append(c);
            }
            else if (c <= '\u00ff')
            {
                builder.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }
    }

    private static string UnsafeCharacters()
    {
        var characters = new StringBuilder();
        for (char c = '\0'; c < ' '; c++)
        {
            characters.Append(c); // C0, including tab and newline: one event is one line
        }
        for (char c = '\u007f'; c <= '\u009f'; c++)
        {
            characters.Append(c); // DEL and C1 (CSI as U+009B starts a sequence on its own)
        }
        characters.Append("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069");
        return characters.ToString();
    }
}
