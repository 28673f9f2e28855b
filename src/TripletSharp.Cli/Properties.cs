using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("TripletSharp.Tests")]
