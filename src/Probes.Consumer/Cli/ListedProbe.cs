using Probes.Consumer.Targets;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Cli;

/// <summary>A probe found by <c>probes list</c>, with the file it came from and its decoded arguments.</summary>
public sealed record ListedProbe(TargetFile File, UsdtProbe Probe, IReadOnlyList<UsdtArgument> Arguments);
