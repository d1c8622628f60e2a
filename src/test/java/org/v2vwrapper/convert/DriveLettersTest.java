package org.v2vwrapper.convert;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DriveLettersTest {
    @ParameterizedTest
    @CsvSource({"0,a", "1,b", "25,z", "26,aa", "27,ab", "51,az", "52,ba", "701,zz", "702,aaa"})
    void numbersDisksAsLinuxDoes(int index, String letters) {
        assertEquals(letters, DriveLetters.of(index));
    }
}
