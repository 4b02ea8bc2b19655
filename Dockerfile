# capsim in a container: Debian 12, the Debian packages of tools/install-deps.sh, a Release
# build, and `cmake --install` into /usr/local (capsim on PATH, its catalogues and scenarios in
# /usr/local/share/capsim). Build: docker build -t capsim .   Run: docker run --rm capsim capsim
# run /usr/local/share/capsim/scenarios/quickstart.yaml -o /tmp/q
# On a cluster, Apptainer/Singularity runs the same image: see the README (Container).
FROM debian:12 AS build
ENV DEBIAN_FRONTEND=noninteractive
COPY tools/install-deps.sh /src/tools/install-deps.sh
# The report's chart library, pinned (npm ci into /src/node_modules, inlined at build time).
COPY package.json package-lock.json /src/
# Build and test dependencies only (the image has no use for the fuzzer's clang or SLURM).
RUN CAPSIM_DEPS=build /src/tools/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . /src
# The context has no .git: pass the commit for `capsim --version`, e.g.
# docker build --build-arg CAPSIM_GIT_COMMIT=$(git rev-parse --short=12 HEAD) -t capsim .
ARG CAPSIM_GIT_COMMIT=unknown
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DCAPSIM_TESTS=OFF \
      -DCAPSIM_GIT_COMMIT_OVERRIDE="$CAPSIM_GIT_COMMIT" \
 && cmake --build /build -j"$(nproc)" --target capsim \
 && cmake --install /build --prefix /usr/local

FROM debian:12
ENV DEBIAN_FRONTEND=noninteractive
# The run-time libraries only: SimGrid, yaml-cpp, fmt, Open MPI (mpirun) and gnuplot (capsim plot).
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends libsimgrid3.32 libyaml-cpp0.7 libfmt9 \
      openmpi-bin libopenmpi3 gnuplot-nox \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local /usr/local
RUN capsim --version && capsim validate /usr/local/share/capsim/scenarios/quickstart.yaml
WORKDIR /data
CMD ["capsim", "--help"]
