namespace Probes.Consumer.Tests.Architecture.Samples;

// Types whose only use of Used is in one place each, so TypeReferencesTests can show the
// reader finds a use wherever the compiler may put it.

internal class Used : Exception
{
    public static int Count = 1;
}

internal sealed class UsedAttribute : Attribute;

internal sealed class UsesNothing
{
    public int Value() => 42;
}

internal sealed class UsesAsBase : Used;

internal sealed class UsesInAField
{
    private readonly Used? _field = null;

    public override string ToString() => _field?.Message ?? "";
}

internal sealed class UsesInASignature
{
    public static string Describe(Used used) => used.Message;
}

internal sealed class UsesInABody
{
    public static object Make() => new Used();
}

internal sealed class UsesAStaticField
{
    public static int Read() => Used.Count;
}

internal sealed class UsesInALocal
{
    public static string Hash(object value)
    {
        Used? local = value as Used;
        return local?.Message ?? "";
    }
}

internal sealed class UsesInACatch
{
    public static bool Run(Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (Used)
        {
            return false;
        }
    }
}

internal sealed class UsesInAGenericArgument
{
    public static int Count(object value) => ((IEnumerable<object>)value).OfType<Used>().Count();
}

internal sealed class UsesInALambda
{
    public static Func<object> Factory() => () => new List<Used>();
}

internal sealed class UsesInAnIterator
{
    public static IEnumerable<string> Names(IEnumerable<object> values)
    {
        foreach (object value in values)
        {
            if (value is Used used)
            {
                yield return used.Message;
            }
        }
    }
}

internal sealed class UsesInAConstraint<T>
    where T : Used;

internal sealed class UsesInATypeof
{
    public static Type Which() => typeof(Used);
}

[Used]
internal sealed class UsesAsAnAttribute;
