using Probes;

namespace Scenarios.Sync;

/// <summary>Synchronous shapes the weaver must make into one phase each.</summary>
public static class SyncPhases
{
    [ProbePhase]
    public static int Add(int a, int b) => a + b;

    [ProbePhase("Explicit.Name")]
    public static void Named()
    {
    }

    // Several returns, including from inside a loop and a try block.
    [ProbePhase]
    public static int ManyReturns(int x)
    {
        if (x < 0)
        {
            return -1;
        }
        for (int i = 0; i < 10; i++)
        {
            if (i == x)
            {
                return i * 10;
            }
        }
        try
        {
            if (x == 42)
            {
                return 4200;
            }
        }
        finally
        {
            x++;
        }
        return x;
    }

    [ProbePhase]
    public static void Throws() => throw new InvalidOperationException("boom");

    [ProbePhase]
    public static void Cancels() => throw new OperationCanceledException();

    // Never returns normally: its only exit is a throw from inside a loop.
    [ProbePhase]
    public static int NeverReturns(int limit)
    {
        int i = 0;
        while (true)
        {
            if (++i > limit)
            {
                throw new ArgumentOutOfRangeException(nameof(limit));
            }
        }
    }

    // An exception that does not leave the method is not a fault of the phase.
    [ProbePhase]
    public static int Swallows()
    {
        try
        {
            throw new InvalidOperationException("handled");
        }
        catch (InvalidOperationException)
        {
            return 7;
        }
    }

    [ProbePhase]
    public static bool ParseCounting(string text, out int value, ref int calls)
    {
        calls++;
        return int.TryParse(text, out value);
    }

    [ProbePhase]
    public static ref int FirstSlot(int[] values) => ref values[0];

    [ProbePhase]
    public static T Echo<T>(T value) => value;

    [ProbePhase]
    public static int Outer() => Inner() + 1;

    [ProbePhase]
    public static int Inner() => 1;

    /// <summary>The same work as <see cref="Add"/>, unwoven, for the allocation comparison.</summary>
    public static int AddPlain(int a, int b) => a + b;
}

/// <summary>A generic type: the phase name drops the arity.</summary>
public sealed class Box<T>(T value)
{
    [ProbePhase]
    public T Get() => value;
}

/// <summary>Constructors: the phase begins after the base or chained constructor call.</summary>
public sealed class Built
{
    private readonly List<int> _items = [1, 2, 3];

    [ProbePhase]
    public Built(int size)
    {
        Size = size + _items.Count;
    }

    [ProbePhase("Built.Default")]
    public Built()
        : this(0)
    {
        Size++;
    }

    public int Size { get; }
}

/// <summary>A value type's constructor has no base call.</summary>
public readonly struct Point
{
    [ProbePhase]
    public Point(int x) => X = x;

    public int X { get; }
}

/// <summary>On a class: every public method is a phase; other members are not.</summary>
[ProbePhase]
public sealed class Service
{
    public int Calls { get; private set; }

    public void Start() => Calls++;

    public int Stop() => Calls += 10;

    internal void NotPublic() => Calls += 100;

    // An iterator cannot be a phase: the class attribute skips it (no build error).
    public IEnumerable<int> Items()
    {
        yield return Calls;
    }
}

/// <summary>On a class with a name: the name replaces the type name.</summary>
[ProbePhase("Api")]
public static class Endpoints
{
    public static string Get() => "ok";
}
