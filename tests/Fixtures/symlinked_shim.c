/* The hostile program of SymlinkedShimContainer (tests/Probes.Consumer.Tests/Support): maps
 * SHIM read+exec and private read+write, mounts a tmpfs over /app, then puts a symlink
 * SHIM -> TARGET there, so the maps line names a path that now leads elsewhere.
 * usage: symlinked_shim SHIM TARGET (statically linked: the container has no libc) */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *shim = argv[1], *target = argv[2];
    struct stat st;
    int fd = open(shim, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) { perror(shim); return 1; }
    void *code = mmap(NULL, st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    void *data = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (code == MAP_FAILED || data == MAP_FAILED) { perror("mmap"); return 1; }
    close(fd);
    if (mount("tmpfs", "/app", "tmpfs", 0, "size=64k") != 0) { perror("mount /app"); return 1; }
    if (symlink(target, shim) != 0) { perror("symlink"); return 1; }
    printf("ready code=%p data=%p\n", code, data);
    fflush(stdout);
    for (;;) pause();
}
