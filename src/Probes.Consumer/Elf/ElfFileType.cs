namespace Probes.Consumer.Elf;

/// <summary>e_type: what kind of object the file is.</summary>
public enum ElfFileType : ushort
{
    None = 0,
    Relocatable = 1,
    Executable = 2,   // ET_EXEC: fixed addresses (non-PIE executables)
    SharedObject = 3, // ET_DYN: shared libraries and PIE executables
    Core = 4,
}
