// icmpguard: runs the CLI; the last resort for anything that escapes.
#include <exception>
#include <iostream>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
    try {
        return icmpguard::run_cli(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "icmpguard: " << e.what() << "\n";
        return 1;
    }
}
