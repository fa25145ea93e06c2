namespace Probes.Consumer.Usdt;

/// <summary>
/// A <c>--probe</c> selector: <c>PROVIDER:NAME</c> where either part may use <c>*</c> (any run
/// of characters) and <c>?</c> (one character), as bpftrace's usdt wildcards do. A bare
/// <c>NAME</c> means any provider.
/// </summary>
public sealed class ProbePattern
{
    private readonly string _provider;
    private readonly string _name;

    private ProbePattern(string text, string provider, string name)
    {
        Text = text;
        _provider = provider;
        _name = name;
    }

    public string Text { get; }

    public static ProbePattern Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(':');
        return parts switch
        {
            [string name] when name.Length > 0 => new ProbePattern(text, "*", name),
            [string provider, string name] when provider.Length > 0 && name.Length > 0 => new ProbePattern(text, provider, name),
            _ => throw new UsdtSpecException($"'{text}' is not a probe selector; use PROVIDER:NAME, with * and ? as wildcards"),
        };
    }

    public bool Matches(UsdtProbe probe) => Glob(_provider, probe.Provider) && Glob(_name, probe.Name);

    public override string ToString() => Text;

    /// <summary>Iterative glob with single backtrack point: linear in practice, no regex.</summary>
    private static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }
}
