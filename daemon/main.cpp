#include "cli/cli.h"

int main(int argc, char** argv) { return jb::cli::main(argc, argv); }
