namespace Probes.Consumer.Bpf.Maps;

/// <summary>
/// The number of possible CPUs, which sizes every per-CPU map value array the kernel hands
/// back (it is the highest id in /sys/devices/system/cpu/possible plus one, not the online count).
/// </summary>
public static class PossibleCpus
{
    private static readonly Lazy<int> Cached = new(() => Parse(File.ReadAllText("/sys/devices/system/cpu/possible")));

    public static int Count => Cached.Value;

    /// <summary>Parses a CPU list such as <c>0-3</c>, <c>0,2-5</c> or <c>0</c>.</summary>
    public static int Parse(string list)
    {
        int highest = -1;
        foreach (string part in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int dash = part.IndexOf('-');
            string last = dash < 0 ? part : part[(dash + 1)..];
            if (!int.TryParse(last, out int id) || id < 0)
            {
                throw new FormatException($"cannot parse CPU list '{list}'");
            }
            highest = Math.Max(highest, id);
        }
        if (highest < 0)
        {
            throw new FormatException($"empty CPU list '{list}'");
        }
        return highest + 1;
    }
}
