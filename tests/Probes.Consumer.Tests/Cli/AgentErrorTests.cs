using System.Net;
using System.Net.Sockets;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary><c>probes agent</c>'s failures: one line on stderr and the documented exit code, before or after anything was attached.</summary>
[TestClass]
[TestCategory("Cli")]
public sealed class AgentErrorTests
{
    [TestMethod]
    [DataRow("127.0.0.1", "a host without a port")]
    [DataRow("127.0.0.1:0", "port 0")]
    [DataRow("127.0.0.1:70000", "a port out of range")]
    [DataRow("example.org:80", "a name, not an address")]
    [DataRow("::1:9464", "IPv6 without brackets")]
    public void A_listen_address_that_is_not_IP_and_port_is_a_usage_error(string listen, string what)
    {
        ProcessResult result = ProbesBinary.Run("agent", "--listen", listen);
        Assert.AreEqual(2, result.ExitCode, what);
        Assert.AreEqual(1, result.Stderr.TrimEnd().Split('\n').Length, result.Stderr);
        StringAssert.Contains(result.Stderr, "--listen must be IP:PORT");
    }

    [TestMethod]
    [DataRow("--span-threshold 1ms", "need --otlp-endpoint", "an OTLP option without an endpoint")]
    [DataRow("--otlp-protocol grpc", "need --otlp-endpoint", "a protocol without an endpoint")]
    [DataRow("--otlp-endpoint ftp://collector:4317", "must be an http:// or https:// URL", "another scheme")]
    [DataRow("--otlp-endpoint http://collector:4317 --otlp-protocol http/json", "grpc or http/protobuf", "an unsupported protocol")]
    [DataRow("--otlp-endpoint http://collector:4317 --otlp-interval 0", "--otlp-interval must be a number of seconds", "an interval of zero")]
    [DataRow("--otlp-endpoint http://collector:4317 --span-threshold 10", "--span-threshold", "a threshold without its unit")]
    public void Bad_otlp_options_are_usage_errors_before_anything_is_attached(string arguments, string message, string what)
    {
        ProcessResult result = ProbesBinary.Run(["agent", "--listen", "192.0.2.1:9", .. arguments.Split(' ')]);
        Assert.AreEqual(2, result.ExitCode, $"{what}: {result.Stderr}");
        Assert.AreEqual(1, result.Stderr.TrimEnd().Split('\n').Length, result.Stderr);
        StringAssert.Contains(result.Stderr, message, what);
    }

    [TestMethod]
    public void A_malformed_metric_export_interval_variable_is_a_usage_error()
    {
        ProcessResult result = ProcessRunner.Run(TestPaths.ProbesExecutable, ["agent", "--listen", "192.0.2.1:9", "--otlp-endpoint", "http://collector:4317"], ProbesBinary.Timeout,
            new Dictionary<string, string> { [Probes.Consumer.Export.Otlp.OtlpSettings.MetricIntervalVariable] = "10s" });
        Assert.AreEqual(2, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stderr, "OTEL_METRIC_EXPORT_INTERVAL must be whole milliseconds");
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void A_port_in_use_is_exit_code_7_in_one_line()
    {
        Requirements.Root();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        ProcessResult result = ProbesBinary.Run("agent", "--listen", $"127.0.0.1:{port}");
        Assert.AreEqual(7, result.ExitCode, result.Stderr);
        Assert.AreEqual($"probes: error: cannot listen on 127.0.0.1:{port}: Address already in use", result.Stderr.TrimEnd());
    }
}
