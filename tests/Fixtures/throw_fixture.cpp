// Throws and catches ITERATIONS exceptions of alternating types, so libstdc++'s
// libstdcxx:throw probe (no semaphore, in a shared library) fires a known number of times.
// Prints the typeinfo address of each throw, which is the probe's second argument.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <typeinfo>

struct custom_error { int code; };

int main(int argc, char **argv)
{
    int iterations = argc > 1 ? std::atoi(argv[1]) : 10;
    int caught = 0;
    for (int i = 0; i < iterations; i++) {
        try {
            if (i % 2 == 0) {
                std::printf("throw %p\n", static_cast<const void *>(&typeid(std::runtime_error)));
                throw std::runtime_error("even");
            }
            std::printf("throw %p\n", static_cast<const void *>(&typeid(custom_error)));
            throw custom_error{i};
        } catch (const std::runtime_error &) {
            caught++;
        } catch (const custom_error &) {
            caught++;
        }
    }
    std::printf("done %d\n", caught);
    return 0;
}
