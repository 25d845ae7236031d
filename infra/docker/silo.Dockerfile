# The HyperBench silo (silo/HyperBench.Silo): Orleans, one device worker per accelerator, the SQL store and /metrics.
# Built from the repository root:  docker build -f infra/docker/silo.Dockerfile --build-arg GIT_COMMIT=$(git rev-parse HEAD) .
# (docker-compose.yml builds it for every silo service.) Settings are HYPERBENCH__* variables (docs/configuration.md).
#
# GPUs: ILGPU's CUDA backend loads libcuda.so.1 from the NVIDIA driver. The image carries no driver and no CUDA toolkit: the
# NVIDIA container runtime injects the host driver's libcuda (and nvidia-smi, libnvidia-ml) when the container asks for a GPU
# with the capabilities below. Without a GPU the same image runs the managed cpu backend (HYPERBENCH__DEVICES=cpu).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG GIT_COMMIT=unknown
WORKDIR /src
# Restore first, from the project files only, so that a source change does not download the packages again.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY kernels/HyperBench.Kernels/HyperBench.Kernels.csproj kernels/HyperBench.Kernels/
COPY silo/HyperBench.Contracts/HyperBench.Contracts.csproj silo/HyperBench.Contracts/
COPY silo/HyperBench.Storage/HyperBench.Storage.csproj silo/HyperBench.Storage/
COPY silo/HyperBench.Regressions/HyperBench.Regressions.csproj silo/HyperBench.Regressions/
COPY silo/HyperBench.Grains/HyperBench.Grains.csproj silo/HyperBench.Grains/
COPY silo/HyperBench.Hosting/HyperBench.Hosting.csproj silo/HyperBench.Hosting/
COPY silo/HyperBench.Silo/HyperBench.Silo.csproj silo/HyperBench.Silo/
RUN dotnet restore silo/HyperBench.Silo/HyperBench.Silo.csproj
COPY kernels/ kernels/
COPY silo/ silo/
# infra/sql: the migrations are embedded into HyperBench.Storage at build time.
COPY infra/sql/ infra/sql/
# infra/sim: the default model of simulated devices is embedded into HyperBench.Kernels.
COPY infra/sim/ infra/sim/
# .git is not in the build context (.dockerignore): the commit stored with every result comes from GIT_COMMIT.
RUN dotnet publish silo/HyperBench.Silo/HyperBench.Silo.csproj -c Release --no-restore -o /app \
      -p:SourceRevisionId=$GIT_COMMIT -p:EnableSourceControlManagerQueries=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# Read by the NVIDIA container runtime: which GPUs (compose's device reservation narrows it to the silo's own) and which driver
# parts to inject: compute (libcuda, for ILGPU) and utility (nvidia-smi, NVML).
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
WORKDIR /app
COPY --from=build /app ./
# The image's non-root user (uid 1654 in the .NET images).
USER $APP_UID
# 11111 silo-to-silo, 30000 gateway (clients), 9464 /metrics (HYPERBENCH__METRICSPORT in docker-compose.yml).
EXPOSE 11111 30000 9464
ENTRYPOINT ["dotnet", "HyperBench.Silo.dll"]
