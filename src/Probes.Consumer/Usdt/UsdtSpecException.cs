namespace Probes.Consumer.Usdt;

/// <summary>An argument spec of a USDT note is in a form the parser does not know.</summary>
public sealed class UsdtSpecException(string message) : ProbesException(ErrorKind.BadInput, message);
