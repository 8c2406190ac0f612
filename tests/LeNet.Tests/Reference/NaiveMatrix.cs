namespace LeNet.Tests.Reference;

/// <summary>Matrix products in double, element by element from the definition. Shares no code with the library.</summary>
public static class NaiveMatrix
{
    /// <summary>C[i,j] = C0[i,j] + Σ_t A(i,t) · B[t,j], A(i,t) = a[i·rowStride + t·colStride]; C is [m, n], B is [k, n].</summary>
    public static double[] Product(float[] a, int rowStride, int colStride, float[] b, float[] c0, int m, int k, int n)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = c0[(i * n) + j];
                for (int t = 0; t < k; t++)
                {
                    sum += (double)a[(i * rowStride) + (t * colStride)] * b[(t * n) + j];
                }

                c[(i * n) + j] = sum;
            }
        }

        return c;
    }

    /// <summary>C[i,j] = C0[i,j] + Σ_{t&lt;k} a[i·aStride + t] · b[bStarts[j] + t]; C is [m, n].</summary>
    public static double[] Dots(float[] a, int aStride, float[] b, int[] bStarts, float[] c0, int m, int n, int k)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = c0[(i * n) + j];
                for (int t = 0; t < k; t++)
                {
                    sum += (double)a[(i * aStride) + t] * b[bStarts[j] + t];
                }

                c[(i * n) + j] = sum;
            }
        }

        return c;
    }
}
