# The `hyperbench` CLI (client/HyperBench.Cli) as a one-shot container, on the .NET runtime (no ASP.NET needed).
# Built from the repository root:  docker build -f infra/docker/cli.Dockerfile --build-arg GIT_COMMIT=$(git rev-parse HEAD) .
# In docker-compose.yml it is the "cli" service:  docker compose run --rm cli sweep --cluster "Host=postgres;..." ...
# Its in-process silo (a sweep without --cluster) runs on the managed cpu backend only: this image asks for no GPU.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG GIT_COMMIT=unknown
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY kernels/HyperBench.Kernels/HyperBench.Kernels.csproj kernels/HyperBench.Kernels/
COPY silo/HyperBench.Contracts/HyperBench.Contracts.csproj silo/HyperBench.Contracts/
COPY silo/HyperBench.Storage/HyperBench.Storage.csproj silo/HyperBench.Storage/
COPY silo/HyperBench.Grains/HyperBench.Grains.csproj silo/HyperBench.Grains/
COPY silo/HyperBench.Hosting/HyperBench.Hosting.csproj silo/HyperBench.Hosting/
COPY silo/HyperBench.Regressions/HyperBench.Regressions.csproj silo/HyperBench.Regressions/
COPY client/HyperBench.Cli/HyperBench.Cli.csproj client/HyperBench.Cli/
RUN dotnet restore client/HyperBench.Cli/HyperBench.Cli.csproj
COPY kernels/ kernels/
COPY silo/ silo/
COPY client/HyperBench.Cli/ client/HyperBench.Cli/
COPY infra/sql/ infra/sql/
# infra/sim: the default model of simulated devices is embedded into HyperBench.Kernels.
COPY infra/sim/ infra/sim/
RUN dotnet publish client/HyperBench.Cli/HyperBench.Cli.csproj -c Release --no-restore -o /app \
      -p:SourceRevisionId=$GIT_COMMIT -p:EnableSourceControlManagerQueries=false

FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /work
COPY --from=build /app /app
USER $APP_UID
ENTRYPOINT ["dotnet", "/app/hyperbench.dll"]
CMD ["--help"]
