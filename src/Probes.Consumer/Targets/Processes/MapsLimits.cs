namespace Probes.Consumer.Targets.Processes;

/// <summary>The bounds applied to reading one <c>/proc/PID/maps</c>; <see cref="Default"/> is <see cref="TargetLimits"/>, tests pass small ones.</summary>
public sealed record MapsLimits(int MaxLines, long MaxBytes, int MaxFiles)
{
    public static MapsLimits Default { get; } = new(TargetLimits.MaxMapsLines, TargetLimits.MaxMapsBytes, TargetLimits.MaxFilesPerTarget);
}
