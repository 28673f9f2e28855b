using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("TripletSharp.Tests")]
[assembly: InternalsVisibleTo("TripletSharp.Benchmarks")]
[assembly: InternalsVisibleTo("triplet")]
