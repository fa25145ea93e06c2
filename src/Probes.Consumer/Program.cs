namespace Probes.Consumer;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.Error.WriteLine("probes: no commands yet");
        return args.Length == 0 ? 2 : 2;
    }
}
