namespace Probes.Consumer.Agent;

/// <summary>The metrics endpoint cannot listen where asked (address in use, not an address of this host): exit code 7, like any output that cannot be written.</summary>
public sealed class AgentListenException(string message, Exception? inner = null) : ProbesException(ErrorKind.OutputFailed, message, inner);
