using MathNet.Numerics.LinearAlgebra;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// The accuracy metrics of docs/algorithms.md section 4 for one tensor, over a set of (batch, head) slices of n x d rows.
/// The spectral norm of an n x d matrix is the square root of the largest eigenvalue of its d x d Gram matrix: O(n d^2), no SVD of n x d.
/// </summary>
public static class AccuracyCalculator
{
    /// <param name="slices">The (batch, head) slices measured; rows of other slices are ignored.</param>
    public static AccuracyMetric Compare(string tensor, ReadOnlySpan<float> approx, ReadOnlySpan<float> exact, ReadOnlySpan<float> v,
        int n, int d, IReadOnlyList<int> slices)
    {
        double errSq = 0, refSq = 0, cosSum = 0, worstSpectral = 0;
        long rows = 0;
        foreach (int s in slices)
        {
            int start = s * n * d;
            var a = approx.Slice(start, n * d);
            var e = exact.Slice(start, n * d);
            var gramE = new double[d * d];
            var gramV = new double[d * d];
            var diff = new double[d];
            var vr = new double[d];
            for (int i = 0; i < n; i++)
            {
                double dot = 0, na = 0, ne = 0;
                for (int c = 0; c < d; c++)
                {
                    double x = a[i * d + c], y = e[i * d + c];
                    diff[c] = x - y;
                    vr[c] = v[start + i * d + c];
                    errSq += diff[c] * diff[c];
                    refSq += y * y;
                    dot += x * y;
                    na += x * x;
                    ne += y * y;
                }
                if (na > 0 && ne > 0)
                {
                    cosSum += dot / Math.Sqrt(na * ne);
                    rows++;
                }
                AddOuter(gramE, diff, d);
                AddOuter(gramV, vr, d);
            }
            double spectralV = Math.Sqrt(LargestEigenvalue(gramV, d));
            double spectralE = Math.Sqrt(LargestEigenvalue(gramE, d));
            worstSpectral = Math.Max(worstSpectral, spectralV > 0 ? spectralE / spectralV : double.PositiveInfinity);
        }
        double relative = refSq > 0 ? Math.Sqrt(errSq / refSq) : errSq > 0 ? double.PositiveInfinity : 0;
        return new AccuracyMetric(tensor, relative, worstSpectral, rows > 0 ? cosSum / rows : 0);
    }

    /// <summary>Slices to measure: all when slices * n^2 fits <paramref name="pairBudget"/>, else an evenly spaced deterministic subset (at least one).</summary>
    public static int[] SliceSubset(int slices, int n, double pairBudget = 1L << 32)
    {
        int count = (int)Math.Clamp(Math.Floor(pairBudget / ((double)n * n)), 1, slices);
        return Enumerable.Range(0, count).Select(i => (int)((long)i * slices / count)).ToArray();
    }

    private static void AddOuter(double[] gram, double[] x, int d)
    {
        for (int r = 0; r < d; r++)
        {
            double xr = x[r];
            if (xr == 0) continue;
            for (int c = r; c < d; c++) gram[r * d + c] += xr * x[c];
        }
    }

    private static double LargestEigenvalue(double[] upper, int d)
    {
        var m = Matrix<double>.Build.Dense(d, d, (r, c) => r <= c ? upper[r * d + c] : upper[c * d + r]);
        return Math.Max(0, m.Evd(Symmetricity.Symmetric).EigenValues.Max(z => z.Real));
    }
}
