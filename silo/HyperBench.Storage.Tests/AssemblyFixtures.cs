[assembly: AssemblyFixture(typeof(HyperBench.Storage.Tests.PostgresFixture))]
