using System.Text;

namespace Probes.Consumer.Agent;

/// <summary>
/// A label value as the text exposition format wants it, from text a target chose (a phase name,
/// a container or image name): at most <see cref="MaxLength"/> characters (cut on a character
/// boundary, marked with '…'), lone surrogates replaced (the output is UTF-8), and the three
/// characters the format escapes (backslash, double quote, line feed) escaped.
/// </summary>
public static class LabelValue
{
    public const int MaxLength = 128;

    /// <summary>The value, bounded and made valid; not yet escaped.</summary>
    public static string Bound(string value)
    {
        if (value.Length > MaxLength)
        {
            int cut = MaxLength - 1;
            if (char.IsHighSurrogate(value[cut - 1]))
            {
                cut--;
            }
            value = string.Concat(value.AsSpan(0, cut), "…");
        }
        var builder = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(c).Append(value[++i]);
            }
            else
            {
                builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return builder.ToString();
    }

    /// <summary>Appends <paramref name="value"/> (already bounded) escaped for the inside of a quoted label value.</summary>
    public static void AppendEscaped(StringBuilder output, string value)
    {
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\':
                    output.Append("\\\\");
                    break;
                case '"':
                    output.Append("\\\"");
                    break;
                case '\n':
                    output.Append("\\n");
                    break;
                default:
                    output.Append(c);
                    break;
            }
        }
    }
}
