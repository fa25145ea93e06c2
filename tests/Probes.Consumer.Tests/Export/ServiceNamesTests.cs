using System.Text;
using Probes.Consumer.Export.Otlp;

namespace Probes.Consumer.Tests.Export;

[TestClass]
public sealed class ServiceNamesTests
{
    private static byte[] Block(params string[] entries) => Encoding.UTF8.GetBytes(string.Join('\0', entries) + "\0");

    [TestMethod]
    public void Only_the_service_name_variable_is_taken()
    {
        Assert.AreEqual("orders", ServiceNames.Find(Block("SECRET=x", "MY_OTEL_SERVICE_NAME=wrong", "OTEL_SERVICE_NAME=orders", "TOKEN=y")));
        Assert.IsNull(ServiceNames.Find(Block("SECRET=x", "XOTEL_SERVICE_NAME=wrong")));
        Assert.IsNull(ServiceNames.Find(Block("OTEL_SERVICE_NAME=")), "an empty name is no name");
    }

    [TestMethod]
    public void A_hostile_value_is_bounded_and_stripped_of_control_characters()
    {
        string name = ServiceNames.Find(Block("OTEL_SERVICE_NAME=\u001b[31mred\u0007" + new string('a', 10_000)))!;
        Assert.IsFalse(name.Any(char.IsControl), name);
        Assert.IsTrue(Encoding.UTF8.GetByteCount(name) <= ServiceNames.MaxNameBytes);
        StringAssert.StartsWith(name, "[31mred");
    }

    [TestMethod]
    public void A_process_without_the_variable_gets_its_entry_assembly_else_the_specifications_default()
    {
        string procRoot = Directory.CreateTempSubdirectory("probes-proc").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(procRoot, "77"));
            File.WriteAllBytes(Path.Combine(procRoot, "77", "environ"), Block("PATH=/bin"));
            File.WriteAllText(Path.Combine(procRoot, "77", "comm"), "orders-api\n");
            Directory.CreateDirectory(Path.Combine(procRoot, "78"));
            File.WriteAllBytes(Path.Combine(procRoot, "78", "environ"), Block("PATH=/bin", "OTEL_SERVICE_NAME=billing"));
            File.WriteAllBytes(Path.Combine(procRoot, "78", "cmdline"), Block("dotnet", "Billing.dll"));
            Directory.CreateDirectory(Path.Combine(procRoot, "80"));
            File.WriteAllBytes(Path.Combine(procRoot, "80", "environ"), Block("PATH=/bin"));
            File.WriteAllBytes(Path.Combine(procRoot, "80", "cmdline"), Block("/usr/bin/dotnet", "exec", "--depsfile", "x.deps.json", "/app/Shipping.Api.dll"));
            File.WriteAllText(Path.Combine(procRoot, "80", "comm"), "dotnet\n");
            Directory.CreateDirectory(Path.Combine(procRoot, "81"));
            File.WriteAllBytes(Path.Combine(procRoot, "81", "cmdline"), Block("dotnet", "run"));
            File.WriteAllText(Path.Combine(procRoot, "81", "comm"), "dotnet\n");
            var names = new ServiceNames(procRoot);
            Assert.AreEqual("unknown_service:orders-api", names.Of(77, ".NET TP Worker"));
            Assert.AreEqual("billing", names.Of(78, null), "the variable comes before the entry assembly");
            Assert.AreEqual("Shipping.Api", names.Of(80, null), "without the variable: the entry assembly");
            Assert.AreEqual("unknown_service:dotnet", names.Of(81, null), "no assembly named: the specification's default");
            Assert.AreEqual("unknown_service:gone", names.Of(79, "gone"), "a vanished process");
        }
        finally
        {
            Directory.Delete(procRoot, recursive: true);
        }
    }

    [TestMethod]
    public void A_pid_forgotten_as_gone_is_read_afresh_when_it_comes_back()
    {
        string procRoot = Directory.CreateTempSubdirectory("probes-proc").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(procRoot, "90"));
            Directory.CreateDirectory(Path.Combine(procRoot, "91"));
            File.WriteAllBytes(Path.Combine(procRoot, "90", "cmdline"), Block("dotnet", "First.dll"));
            File.WriteAllBytes(Path.Combine(procRoot, "91", "cmdline"), Block("/app/Stays"));
            var names = new ServiceNames(procRoot);
            Assert.AreEqual("First", names.Of(90, null));
            Assert.AreEqual("Stays", names.Of(91, null));
            File.WriteAllBytes(Path.Combine(procRoot, "90", "cmdline"), Block("dotnet", "Second.dll"));
            File.WriteAllBytes(Path.Combine(procRoot, "91", "cmdline"), Block("/app/Changed"));
            Assert.AreEqual("First", names.Of(90, null), "cached while the process lives");
            names.ForgetAllBut(new HashSet<int> { 91 });
            Assert.AreEqual("Second", names.Of(90, null), "the pid was reused by another service");
            Assert.AreEqual("Stays", names.Of(91, null), "a live process keeps its name");
        }
        finally
        {
            Directory.Delete(procRoot, recursive: true);
        }
    }
}
