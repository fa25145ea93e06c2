using System.Text;
using Probes.Consumer.Export.Otlp;

namespace Probes.Consumer.Tests.Export;

/// <summary>The entry assembly's name from a process's command line: service.name when OTEL_SERVICE_NAME is not set.</summary>
[TestClass]
public sealed class EntryAssemblyTests
{
    private static byte[] CommandLine(params string[] arguments) => Encoding.UTF8.GetBytes(string.Join('\0', arguments) + "\0");

    private static string? Of(params string[] arguments) => EntryAssembly.FromCommandLine(CommandLine(arguments));

    [TestMethod]
    public void Dotnet_with_a_dll_names_the_dll()
    {
        Assert.AreEqual("Orders.Api", Of("dotnet", "Orders.Api.dll"));
        Assert.AreEqual("Orders.Api", Of("/usr/share/dotnet/dotnet", "/app/Orders.Api.dll", "--urls", "http://+:8080"));
        Assert.AreEqual("Orders.Api", Of("dotnet", "/app/Orders.Api.DLL"), "the extension in any case");
    }

    [TestMethod]
    public void Dotnet_exec_skips_the_hosts_options_and_their_values()
    {
        Assert.AreEqual("Worker", Of("dotnet", "exec", "--runtimeconfig", "/app/Worker.runtimeconfig.json", "--depsfile", "/app/Worker.deps.json", "/app/Worker.dll", "arg.dll"));
        Assert.AreEqual("Worker", Of("dotnet", "exec", "--additionalprobingpath", "/root/.nuget/packages", "--roll-forward", "Major", "Worker.dll"));
        Assert.AreEqual("testhost", Of("/usr/bin/dotnet", "exec", "--runtimeconfig", "a.runtimeconfig.json", "--depsfile", "a.deps.json", "/sdk/testhost.dll", "--port", "1"));
    }

    [TestMethod]
    public void An_apphost_is_named_by_its_file_name()
    {
        Assert.AreEqual("Probes.Sample", Of("/app/Probes.Sample", "--requests", "6"));
        Assert.AreEqual("orders", Of("./orders"));
        Assert.AreEqual("orders", Of("orders"));
    }

    [TestMethod]
    public void A_command_line_that_names_no_assembly_gives_nothing()
    {
        Assert.IsNull(EntryAssembly.FromCommandLine([]));
        Assert.IsNull(Of("dotnet"));
        Assert.IsNull(Of("dotnet", "run", "--project", "x.csproj"));
        Assert.IsNull(Of("dotnet", "exec", "--runtimeconfig"), "an option without its value");
        Assert.IsNull(Of("/usr/bin/"), "a path that ends in a slash");
        Assert.IsNull(Of("dotnet", "/app/.dll"), "an empty name");
        Assert.IsNull(Of("\u001b\u0007"), "control characters alone");
    }

    [TestMethod]
    public void A_hostile_command_line_is_bounded_and_cleaned()
    {
        string name = Of("/app/" + new string('x', 100_000))!;
        Assert.IsTrue(Encoding.UTF8.GetByteCount(name) <= ServiceNames.MaxNameBytes, $"{name.Length} characters");

        Assert.AreEqual("[31mred", Of("dotnet", "\u001b[31mred\u0007.dll"), "control characters stripped");
        Assert.AreEqual("caf", EntryAssembly.FromCommandLine([.. "/app/caf"u8, 0xC3, 0]), "an undecodable byte dropped");
        Assert.AreEqual("ü-svc", Of("dotnet", "ü-svc.dll"), "UTF-8 names kept");

        // Only the first MaxCommandLineBytes are looked at: a dll beyond them is not found.
        Assert.IsNull(Of("dotnet", new string('a', EntryAssembly.MaxCommandLineBytes), "Far.dll"));
        // Only the first MaxArguments are split: thousands of options cost nothing.
        Assert.IsNull(Of(["dotnet", .. Enumerable.Repeat("--flag", 100_000), "Late.dll"]));
        // A multi-byte character cut by the byte bound is not half kept.
        string cut = Of("/app/" + new string('é', 300))!;
        Assert.IsTrue(cut.All(c => c == 'é') && Encoding.UTF8.GetByteCount(cut) <= ServiceNames.MaxNameBytes, cut);
    }
}
