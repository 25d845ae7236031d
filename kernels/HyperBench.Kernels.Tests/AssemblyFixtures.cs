[assembly: AssemblyFixture(typeof(HyperBench.Kernels.Tests.BackendFixture))]
