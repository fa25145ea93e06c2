/* The hostile program of HoardingContainer (tests/Probes.Consumer.Tests/Support): maps SHIM
 * (read+exec and private read+write) and CROWDED at fixed low addresses, then COUNT distinct
 * one-page files it creates under HOARD, closing each descriptor once mapped.
 * MAP_FIXED_NOREPLACE: fail loudly rather than land somewhere else (or on something else).
 * usage: hoard SHIM CROWDED HOARD COUNT (statically linked: the container has no libc) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void map_whole(const char *path, int prot, unsigned long at)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) { perror(path); exit(1); }
    if (mmap((void *)at, st.st_size, prot, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0) == MAP_FAILED) { perror(path); exit(1); }
    close(fd);
}

int main(int argc, char **argv)
{
    const char *shim = argv[1], *crowded = argv[2], *hoard = argv[3];
    int count = atoi(argv[4]);
    static char page[4096];
    map_whole(shim, PROT_READ | PROT_EXEC, 0x100000000UL);
    map_whole(shim, PROT_READ | PROT_WRITE, 0x110000000UL);
    map_whole(crowded, PROT_READ, 0x120000000UL);
    if (mkdir(hoard, 0755) != 0 && errno != EEXIST) { perror(hoard); return 1; }
    memset(page, 'h', sizeof page);
    for (int i = 0; i < count; i++)
    {
        char path[256];
        snprintf(path, sizeof path, "%s/%05d", hoard, i);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, page, sizeof page) != (ssize_t)sizeof page) { perror(path); return 1; }
        if (mmap(NULL, sizeof page, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED) { perror("mmap"); return 1; }
        close(fd);
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) pause();
}
