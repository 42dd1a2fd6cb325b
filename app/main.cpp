#include <iostream>

int main() {
  std::cerr << "swarmbot: not wired yet\n";
  return 1;
}
