// A hand-written lexicon of school and competition mathematics: which words, LaTeX commands and
// notations signal which topic. It was written from general knowledge of the subject (the chapter
// headings of a school curriculum and the vocabulary each chapter uses), not from any data set: no
// word here was picked by reading an evaluation set's texts or its retrieval mistakes.
//
// Words are matched after lower-casing and the same light stemming as the lexical features (a plural
// `s` dropped, `ies` → `y`); a cue with a space is a phrase of such words in order; a cue starting
// with `\` is a LaTeX command.

/** The broad areas of mathematics a topic belongs to. */
export type MathArea =
  | "arithmetic"
  | "algebra"
  | "number-theory"
  | "combinatorics"
  | "geometry"
  | "trigonometry-linear-algebra"
  | "everyday";

/** One topic: its cues and the area(s) it belongs to. */
export interface MathTopic {
  readonly name: string;
  readonly areas: readonly MathArea[];
  /** Words, phrases (words separated by one space) and LaTeX commands (`\binom`), separated by commas. */
  readonly cues: string;
  /** Notation that words do not catch, matched on the raw text. */
  readonly patterns?: readonly RegExp[];
}

export const MATH_TOPICS: readonly MathTopic[] = [
  {
    name: "fractions-decimals-percents",
    areas: ["arithmetic"],
    cues:
      "fraction, numerator, denominator, decimal, percent, percentage, mixed number, reciprocal, " +
      "common fraction, half, third, quarter, rounded, nearest tenth, nearest hundredth, " +
      "nearest whole number, \\%",
    patterns: [/\d\s*\\?%/, /\d+\.\d+/],
  },
  {
    name: "ratio-rate-units",
    areas: ["arithmetic", "everyday"],
    cues:
      "ratio, proportion, proportional, rate, per, speed, mile, kilometer, meter, centimeter, " +
      "millimeter, inch, feet, foot, yard, pound, ounce, gallon, liter, cup, hour, minute, second, " +
      "mph, convert, unit, scale",
  },
  {
    name: "money-shopping",
    areas: ["everyday", "arithmetic"],
    cues:
      "dollar, cent, price, cost, costs, pay, paid, buy, bought, sell, sold, discount, tax, profit, " +
      "earn, salary, wage, store, shop, spend, spent, money, interest, budget, \\$",
    patterns: [/\$\s?\d/],
  },
  {
    name: "people-and-things",
    areas: ["everyday"],
    cues:
      "student, class, school, friend, family, day, week, month, year, morning, farm, book, apple, " +
      "car, team, game, party, bag, box, garden, each day, every day, how much, how many more",
  },
  {
    name: "statistics",
    areas: ["arithmetic"],
    cues:
      "mean, median, mode, average, arithmetic mean, range, data, score, stem and leaf, histogram, " +
      "frequency, list",
  },
  {
    name: "linear-equations",
    areas: ["algebra"],
    cues:
      "equation, solve, solution, unknown, variable, system, linear, expression, simplify, evaluate, " +
      "substitute, satisfy, satisfie, constant, coefficient",
    patterns: [/[a-z]\s*=\s*-?\d/, /\d\s*[a-z]\s*[+-]/],
  },
  {
    name: "quadratics-factoring",
    areas: ["algebra"],
    cues:
      "quadratic, factor, factoring, factored, discriminant, completing the square, vertex, squared, " +
      "square root, \\sqrt, perfect square, binomial, expand, trinomial",
    patterns: [/[a-z]\^\{?2\}?/],
  },
  {
    name: "exponents-radicals",
    areas: ["algebra", "arithmetic"],
    cues: "exponent, power, radical, cube root, root, scientific notation, rationalize, " + "simplest radical form",
    patterns: [/\^\{?-?\d/, /\\sqrt\[/],
  },
  {
    name: "functions-graphs",
    areas: ["algebra"],
    cues:
      "function, domain, range, inverse, composition, graph, input, output, piecewise, increasing, " +
      "decreasing, asymptote, rational function",
    patterns: [/\b[fghp]\s*\(\s*[a-z0-9-]/, /\b[fg]\^\{?-1\}?/, /\bf\s*\(\s*g/],
  },
  {
    name: "polynomials",
    areas: ["algebra"],
    cues:
      "polynomial, degree, root, zero, leading coefficient, monic, cubic, quartic, " +
      "remainder theorem, divided by, vieta, real root, distinct root, integer root, rational root, " +
      "multiplicity",
    patterns: [/[a-z]\^\{?[3-9]\}?/, /\bp\s*\(\s*x\s*\)/i, /\bq\s*\(\s*x\s*\)/i],
  },
  {
    name: "sequences-series",
    areas: ["algebra"],
    cues:
      "sequence, series, term, arithmetic sequence, geometric sequence, arithmetic progression, " +
      "geometric progression, common difference, common ratio, infinite, recursive, recursively, " +
      "telescoping, partial sum, nth term, \\sum, \\cdots, \\ldots, \\dots",
    patterns: [/[a-z]_\{?n\}?/, /[a-z]_\{?n\s*[+-]\s*1\}?/],
  },
  {
    name: "inequalities-optimisation",
    areas: ["algebra"],
    cues:
      "inequality, maximum, minimum, largest possible, smallest possible, greatest possible, " +
      "least possible, maximize, minimize, positive real number, nonnegative real number, " +
      "real number, \\le, \\ge, \\lt, \\gt, interval, interval notation, absolute value",
    patterns: [/\|[^|]+\|/],
  },
  {
    name: "logarithms-exponentials",
    areas: ["algebra"],
    cues: "logarithm, log, \\log, \\ln, natural logarithm, exponential, base, \\exp",
    patterns: [/\\log_/, /\blog_/],
  },
  {
    name: "complex-numbers",
    areas: ["algebra", "trigonometry-linear-algebra"],
    cues:
      "complex, complex number, imaginary, imaginary part, real part, conjugate, modulus, argument, " +
      "root of unity, \\overline",
    patterns: [/\d\s*[+-]\s*\d*\s*i\b/, /\bi\s*=\s*\\sqrt\{-1\}/, /\|\s*z\s*\|/, /\bz\^/, /e\^\{?i/],
  },
  {
    name: "primes-divisibility",
    areas: ["number-theory"],
    cues:
      "prime, prime factor, prime factorization, divisor, divisible, divide, divides, multiple, " +
      "factor, greatest common divisor, greatest common factor, least common multiple, gcd, lcm, " +
      "\\gcd, relatively prime, coprime, composite, perfect square, perfect cube, integer, " +
      "positive integer, whole number, odd, even",
    patterns: [/\\mid/, /\\text\{(gcd|lcm)\}/],
  },
  {
    name: "remainders-congruences",
    areas: ["number-theory"],
    cues:
      "remainder, modulo, mod, congruent, congruence, residue, \\pmod, \\bmod, \\equiv, units digit, " +
      "last digit, last two digit, inverse modulo",
  },
  {
    name: "digits-bases",
    areas: ["number-theory"],
    cues:
      "digit, base, base ten, base two, binary, decimal representation, repeating decimal, " +
      "terminating decimal, palindrome, two digit, three digit, four digit, sum of the digit",
    patterns: [/_\{?\d+\}?(?![\d])/, /\d_\{?(two|ten|[2-9])\}?/],
  },
  {
    name: "counting",
    areas: ["combinatorics"],
    cues:
      "how many way, number of way, way, arrangement, arrange, permutation, combination, choose, " +
      "chosen, select, committee, order, ordered, distinct, different, distinguishable, " +
      "indistinguishable, factorial, \\binom, \\choose, subset, path, grid, seat, seated, lineup, " +
      "team, tournament, handshake, coloring, colored, color, inclusion exclusion, pigeonhole",
    patterns: [/\d\s*!/, /\\binom/],
  },
  {
    name: "probability",
    areas: ["combinatorics"],
    cues:
      "probability, probable, random, randomly, at random, chance, likely, expected value, expected, " +
      "odds, fair, coin, flip, die, dice, roll, rolled, card, deck, marble, spinner, draw, drawn, " +
      "independent, independently, lottery",
  },
  {
    name: "triangles-polygons",
    areas: ["geometry"],
    cues:
      "triangle, \\triangle, right triangle, isosceles, equilateral, hypotenuse, leg, altitude, " +
      "median, angle bisector, perpendicular bisector, side length, side, vertex, vertice, polygon, " +
      "quadrilateral, square, rectangle, rhombus, parallelogram, trapezoid, pentagon, hexagon, " +
      "octagon, regular, diagonal, perimeter, area, similar, congruent, \\sim, \\cong, \\angle, " +
      "angle, degree, \\circ, parallel, perpendicular, \\parallel, \\perp, segment, midpoint, " +
      "collinear, pythagorean, incenter, circumcenter, centroid, orthocenter, inradius, " +
      "circumradius",
    patterns: [/\b[A-Z]{3,4}\b/, /\\overline\{[A-Z]{2}\}/, /\[asy\]/],
  },
  {
    name: "circles",
    areas: ["geometry"],
    cues:
      "circle, radius, radii, diameter, circumference, chord, arc, sector, tangent, inscribed, " +
      "circumscribed, concentric, semicircle, center, \\pi",
  },
  {
    name: "solids",
    areas: ["geometry"],
    cues:
      "cube, sphere, cylinder, cone, prism, pyramid, tetrahedron, octahedron, icosahedron, " +
      "polyhedron, face, edge, volume, surface area, rectangular box, solid, hemisphere, torus, " +
      "cubic unit, cubic centimeter, cubic inch",
  },
  {
    name: "coordinate-geometry",
    areas: ["geometry", "algebra"],
    cues:
      "coordinate, coordinate plane, xy plane, x axis, y axis, origin, point, line, slope, " +
      "intercept, y intercept, x intercept, distance, midpoint, quadrant, lattice point, reflection, " +
      "reflected, translation",
    patterns: [/\(\s*-?\d+\s*,\s*-?\d+\s*\)/, /y\s*=\s*-?\d*\s*x/],
  },
  {
    name: "conic-sections",
    areas: ["geometry", "algebra"],
    cues:
      "parabola, ellipse, hyperbola, focus, foci, directrix, major axis, minor axis, eccentricity, " +
      "asymptote, conic",
  },
  {
    name: "trigonometry",
    areas: ["trigonometry-linear-algebra"],
    cues:
      "sine, cosine, tangent, \\sin, \\cos, \\tan, \\cot, \\sec, \\csc, \\arcsin, \\arccos, " +
      "\\arctan, trigonometric, radian, identity, period, amplitude, law of sine, law of cosine, " +
      "\\theta, \\alpha, \\beta",
  },
  {
    name: "vectors-matrices",
    areas: ["trigonometry-linear-algebra"],
    cues:
      "vector, matrix, matrice, determinant, dot product, cross product, projection, orthogonal, " +
      "linear transformation, rotation, dilation, \\mathbf, \\det, \\begin, pmatrix, bmatrix, plane, " +
      "parametrized, parameterized",
    patterns: [/\\begin\{[pbv]matrix\}/, /\\mathbf\{[a-z]\}/],
  },
  {
    name: "polar-parametric",
    areas: ["trigonometry-linear-algebra"],
    cues:
      "polar, polar coordinate, rectangular coordinate, spherical coordinate, " +
      "cylindrical coordinate, parametric, curve",
  },
];
