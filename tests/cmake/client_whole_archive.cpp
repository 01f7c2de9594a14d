// Linked with every object of theta_net_client (--whole-archive) and nothing of theta_net: the
// link fails if any client source calls code that only theta_net holds (the reference game, the
// world, the codec...), even code this program never reaches.
#include <cstdio>

int main() {
  std::puts("theta_net_client links on its own");
  return 0;
}
