using System.Security.Cryptography;
using System.Text;

namespace Probes.Testing;

/// <summary>
/// Compiles the C and C++ fixtures of <c>tests/Fixtures</c> (programs and libraries with stapsdt
/// probes, from sys/sdt.h) with gcc or g++, once per variant. A variant is the compiler's whole
/// command line plus the content of every fixture source it names: its output goes to a folder
/// of <c>tests/Fixtures/bin</c> named by their hash, so a run reuses what an earlier run built
/// from the same sources and flags, and a changed source or flag builds anew. Never committed.
/// </summary>
public static class FixtureCompiler
{
    private static readonly Dictionary<string, Lazy<string>> Built = [];
    private static readonly Lazy<byte[]> Sources = new(HashSources);

    public static string SourceDirectory => Path.Combine(RepoPaths.Root, "tests", "Fixtures");

    public static string BuildDirectory => Path.Combine(SourceDirectory, "bin");

    /// <summary>The path of a fixture source, e.g. <c>Source("main.c")</c>.</summary>
    public static string Source(string name)
    {
        string path = Path.Combine(SourceDirectory, name);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no fixture source {name} in {SourceDirectory}", path);
        }
        return path;
    }

    /// <summary>
    /// Runs <paramref name="compiler"/> (gcc, g++) with <paramref name="arguments"/> and <c>-o OUTPUT</c>, where
    /// OUTPUT is <paramref name="output"/> in the variant's folder, unless it is built already; returns OUTPUT.
    /// </summary>
    public static string Build(string output, string compiler, IEnumerable<string> arguments)
    {
        string[] args = arguments.ToArray();
        string variant = Variant(compiler, output, args);
        Lazy<string> built;
        lock (Built)
        {
            if (!Built.TryGetValue(variant, out built!))
            {
                built = new Lazy<string>(() => Compile(output, compiler, args, variant));
                Built[variant] = built;
            }
        }
        return built.Value;
    }

    private static string Compile(string output, string compiler, string[] args, string variant)
    {
        string tool = Requirements.Tool(compiler);
        if (!File.Exists("/usr/include/x86_64-linux-gnu/sys/sdt.h") && !File.Exists("/usr/include/sys/sdt.h"))
        {
            Requirements.Missing("needs sys/sdt.h (apt-get install systemtap-sdt-dev)");
        }
        string directory = Path.Combine(BuildDirectory, variant);
        string path = Path.Combine(directory, output);
        if (File.Exists(path))
        {
            return path;
        }
        Directory.CreateDirectory(directory);
        // Built under another name and renamed: a second test run building the same variant at
        // the same time never sees (or runs) a half-written file.
        string partial = Path.Combine(directory, $".{output}.{Environment.ProcessId}.partial");
        ProcessRunner.Run(tool, [.. args, "-o", partial], TimeSpan.FromMinutes(2)).EnsureSuccess($"{compiler} {string.Join(' ', args)}");
        File.Move(partial, path, overwrite: true);
        return path;
    }

    /// <summary>A short hash of the command and of every fixture source (an earlier output it links is named by its own hash).</summary>
    private static string Variant(string compiler, string output, string[] args)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Join('\0', [compiler, output, .. args])));
        hash.AppendData(Sources.Value);
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    private static byte[] HashSources()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string source in Directory.GetFiles(SourceDirectory).Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(source)));
            hash.AppendData(File.ReadAllBytes(source));
        }
        return hash.GetHashAndReset();
    }
}
