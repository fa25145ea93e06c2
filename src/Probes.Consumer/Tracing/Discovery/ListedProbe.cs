using Probes.Consumer.Targets.Files;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tracing.Discovery;

/// <summary>
/// A probe found by <c>probes list</c>, with the file it came from and its decoded arguments.
/// A probe whose arguments do not all decode is listed all the same (readelf lists it), with
/// <see cref="Arguments"/> holding those that did and <see cref="ArgumentErrors"/> one error
/// for each that did not; it cannot be traced.
/// </summary>
public sealed record ListedProbe(TargetFile File, UsdtProbe Probe, IReadOnlyList<UsdtArgument> Arguments)
{
    public IReadOnlyList<UsdtArgumentError> ArgumentErrors { get; init; } = [];

    /// <summary>Closes the pinned files of <paramref name="probes"/> (each once); the probes are not traced then.</summary>
    public static void ReleaseFiles(IEnumerable<ListedProbe> probes)
    {
        foreach (PinnedFile pinned in probes.Select(p => p.File.Pinned).OfType<PinnedFile>().Distinct())
        {
            pinned.Dispose();
        }
    }

    /// <summary>True when every argument decoded, so a program can fetch them all.</summary>
    public bool IsTraceable => ArgumentErrors.Count == 0;

    /// <summary>
    /// Each argument of the spec in order, as decoded or as its error; a spec-wide error
    /// (Index -1) comes first and stands for the arguments it kept from being decoded.
    /// </summary>
    public IEnumerable<(int Index, string Spec, UsdtArgument? Argument, UsdtArgumentError? Error)> EveryArgument()
    {
        foreach (UsdtArgumentError whole in ArgumentErrors.Where(e => e.Index < 0))
        {
            yield return (-1, whole.Spec, null, whole);
        }
        string[] words = UsdtArgumentParser.Words(Probe.Arguments);
        int decoded = 0;
        for (int i = 0; i < words.Length; i++)
        {
            if (ArgumentErrors.FirstOrDefault(e => e.Index == i) is { } error)
            {
                yield return (i, words[i], null, error);
            }
            else if (decoded < Arguments.Count && Arguments[decoded].Spec == words[i])
            {
                yield return (i, words[i], Arguments[decoded++], null);
            }
        }
    }
}
