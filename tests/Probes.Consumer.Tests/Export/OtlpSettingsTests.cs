using Probes.Consumer.Export.Otlp;

namespace Probes.Consumer.Tests.Export;

[TestClass]
public sealed class OtlpSettingsTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [TestMethod]
    public void Logs_name_the_endpoint_without_the_credentials_its_url_may_carry()
    {
        OtlpSettings settings = OtlpSettings.Resolve("http://user:s3cret@collector:4318/base", null, Env());
        Assert.AreEqual("http://collector:4318", settings.EndpointForLogs);
    }

    [TestMethod]
    public void The_metric_export_interval_variable_is_whole_milliseconds()
    {
        Assert.IsNull(OtlpSettings.MetricIntervalFrom(null));
        Assert.IsNull(OtlpSettings.MetricIntervalFrom(" "));
        Assert.AreEqual(TimeSpan.FromSeconds(10), OtlpSettings.MetricIntervalFrom("10000"));
        Assert.AreEqual(TimeSpan.FromMilliseconds(100), OtlpSettings.MetricIntervalFrom(" 100 "));
        foreach (string bad in new[] { "10s", "-5", "0", "99", "1.5", "86400001", "99999999999999999999999" })
        {
            Assert.ThrowsExactly<UsageException>(() => OtlpSettings.MetricIntervalFrom(bad), bad);
        }
    }

    [TestMethod]
    public void Flags_win_over_the_standard_variables()
    {
        OtlpSettings settings = OtlpSettings.Resolve("http://collector:4317", "grpc",
            Env((OtlpSettings.EndpointVariable, "http://other:4318"), (OtlpSettings.ProtocolVariable, "http/protobuf")));
        Assert.AreEqual(new Uri("http://collector:4317"), settings.Endpoint);
        Assert.AreEqual(OtlpProtocol.Grpc, settings.Protocol);
        Assert.AreEqual("/opentelemetry.proto.collector.trace.v1.TraceService/Export", settings.TracesUrl.AbsolutePath);
    }

    [TestMethod]
    public void The_variables_apply_without_flags_and_http_appends_the_signal_path()
    {
        OtlpSettings settings = OtlpSettings.Resolve(null, null, Env(
            (OtlpSettings.EndpointVariable, "http://collector:4318/base/"),
            (OtlpSettings.HeadersVariable, "api-key=se%20cret, tenant=a=b")));
        Assert.AreEqual(OtlpProtocol.HttpProtobuf, settings.Protocol, "http/protobuf is the specification's default");
        Assert.AreEqual("http://collector:4318/base/v1/traces", settings.TracesUrl.AbsoluteUri);
        Assert.AreEqual("http://collector:4318/base/v1/metrics", settings.MetricsUrl.AbsoluteUri);
        CollectionAssert.AreEqual(new[] { new KeyValuePair<string, string>("api-key", "se cret"), new("tenant", "a=b") }, settings.Headers.ToArray());
    }

    [TestMethod]
    [DataRow(null, null, DisplayName = "no endpoint at all")]
    [DataRow("collector:4317", null, DisplayName = "not a URL")]
    [DataRow("ftp://collector", null, DisplayName = "not http")]
    [DataRow("http://collector:4318", "http/json", DisplayName = "unsupported protocol")]
    public void Bad_settings_are_usage_errors(string? endpoint, string? protocol)
    {
        UsageException e = Assert.ThrowsExactly<UsageException>(() => OtlpSettings.Resolve(endpoint, protocol, Env()));
        Assert.AreEqual(ErrorKind.Usage, e.Kind);
    }

    [TestMethod]
    public void A_header_without_a_value_separator_is_a_usage_error_that_does_not_echo_it()
    {
        UsageException e = Assert.ThrowsExactly<UsageException>(() => OtlpSettings.ParseHeaders("Authorization Bearer-secret-token"));
        Assert.IsFalse(e.Message.Contains("secret", StringComparison.Ordinal), e.Message);
    }
}
