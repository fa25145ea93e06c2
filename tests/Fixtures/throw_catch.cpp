// Throws and catches a few exceptions of different types once a line arrives on stdin, so two
// tracers attached to libstdcxx:throw can be compared hit for hit.
#include <iostream>
#include <stdexcept>
#include <string>

int main()
{
    std::cout << "waiting" << std::endl;
    std::string line;
    std::getline(std::cin, line);
    int caught = 0;
    for (int i = 0; i < 6; i++) {
        try {
            if (i % 3 == 0) throw std::runtime_error("runtime");
            if (i % 3 == 1) throw i;
            throw std::string("text");
        } catch (...) {
            caught++;
        }
    }
    std::cout << "caught " << caught << std::endl;
    return 0;
}
