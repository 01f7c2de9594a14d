# Third-party packages, all from Debian 12 (scripts/bootstrap installs them).
find_package(Threads REQUIRED)
