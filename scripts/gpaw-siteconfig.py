# GPAW build configuration used by scripts/setup-env.sh (GPAW_CONFIG): serial build, no MPI,
# against Debian's libxc, OpenBLAS and FFTW (apt-get install libxc-dev libopenblas-dev libfftw3-dev).
mpi = False
compiler = "gcc"
libraries = ["xc", "openblas", "fftw3"]
fftw = True
