using System.Diagnostics;

namespace Probes.Testing;

/// <summary>
/// Waits on a condition the test cannot be told about directly (the kernel raising a semaphore,
/// a file appearing, a container logging a line), instead of sleeping for a guessed time.
/// </summary>
public static class Wait
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Polls until <paramref name="condition"/> holds; fails naming <paramref name="what"/> once <paramref name="timeout"/> has passed.</summary>
    public static void Until(Func<bool> condition, TimeSpan timeout, string what) => Until(condition, timeout, what, null);

    /// <summary>As <see cref="Until(Func{bool}, TimeSpan, string)"/>, with what <paramref name="state"/> says at the timeout in the failure.</summary>
    public static void Until(Func<bool> condition, TimeSpan timeout, string what, Func<string>? state)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout} waiting until {what}{(state is null ? "" : $" ({state()})")}");
            }
            Thread.Sleep(PollInterval);
        }
    }
}
