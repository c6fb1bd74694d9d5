//go:build race

package sheet

// raceEnabled makes the hostile files smaller under the race detector,
// which slows the writing of a gigabyte of XML tenfold; the readers'
// behaviour does not depend on the size.
const raceEnabled = true
