namespace Probes.Consumer.Usdt;

/// <summary>A stapsdt note is malformed, or its addresses fall outside every fitting segment.</summary>
public sealed class UsdtNoteException(string message) : ProbesException(ErrorKind.BadInput, message);
