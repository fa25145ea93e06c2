namespace Probes.Consumer.Bpf.Syscalls;

/// <summary>Linux x86-64 errno values we meet, with their symbolic names for messages.</summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EINVAL = 22;
    public const int E2BIG = 7;
    public const int ENOSPC = 28;
    public const int ENOSYS = 38;
    public const int EOPNOTSUPP = 95;

    private static readonly Dictionary<int, (string Name, string Text)> Known = new()
    {
        [EPERM] = ("EPERM", "operation not permitted"),
        [ENOENT] = ("ENOENT", "no such file or directory"),
        [ESRCH] = ("ESRCH", "no such process"),
        [EINTR] = ("EINTR", "interrupted system call"),
        [E2BIG] = ("E2BIG", "argument list too long"),
        [EBADF] = ("EBADF", "bad file descriptor"),
        [EAGAIN] = ("EAGAIN", "resource temporarily unavailable"),
        [ENOMEM] = ("ENOMEM", "cannot allocate memory"),
        [EACCES] = ("EACCES", "permission denied"),
        [EFAULT] = ("EFAULT", "bad address"),
        [EBUSY] = ("EBUSY", "device or resource busy"),
        [EEXIST] = ("EEXIST", "file exists"),
        [EINVAL] = ("EINVAL", "invalid argument"),
        [ENOSPC] = ("ENOSPC", "no space left on device"),
        [ENOSYS] = ("ENOSYS", "function not implemented"),
        [EOPNOTSUPP] = ("EOPNOTSUPP", "operation not supported"),
    };

    public static string Name(int errno) => Known.TryGetValue(errno, out var e) ? e.Name : $"errno {errno}";

    public static string Describe(int errno) => Known.TryGetValue(errno, out var e) ? e.Text : "unknown error";
}
