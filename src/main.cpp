#include "fasim/app/cli.hpp"

int main(int argc, char** argv) {
  return fasim::app::main(argc, argv);
}
