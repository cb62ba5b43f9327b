//! Reject reasons and warnings, with the contract's stable codes.

/// Why a row was excluded from all counts (`rejects.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectReason {
    NikScientific,
    NikFormat,
    BirthDateInvalid,
    BirthDateFuture,
    AreaFormat,
    DuplicateNik,
    /// Enrollment rows only: TGL_REKAM missing or unparseable.
    RecordDateInvalid,
    /// The row has a different number of fields than the header (ragged CSV).
    FieldCount,
}

impl RejectReason {
    pub const ALL: [RejectReason; 8] = [
        RejectReason::NikScientific,
        RejectReason::NikFormat,
        RejectReason::BirthDateInvalid,
        RejectReason::BirthDateFuture,
        RejectReason::AreaFormat,
        RejectReason::DuplicateNik,
        RejectReason::RecordDateInvalid,
        RejectReason::FieldCount,
    ];
    pub fn code(self) -> &'static str {
        match self {
            RejectReason::NikScientific => "NIK_SCIENTIFIC",
            RejectReason::NikFormat => "NIK_FORMAT",
            RejectReason::BirthDateInvalid => "BIRTH_DATE_INVALID",
            RejectReason::BirthDateFuture => "BIRTH_DATE_FUTURE",
            RejectReason::AreaFormat => "AREA_FORMAT",
            RejectReason::DuplicateNik => "DUPLICATE_NIK",
            RejectReason::RecordDateInvalid => "RECORD_DATE_INVALID",
            RejectReason::FieldCount => "FIELD_COUNT",
        }
    }
}

/// Counted, but worth a look (`warnings.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WarningKind {
    /// NIK day/month/year differs from TGL_LHR.
    NikDateMismatch,
    /// NIK sex (day > 40) differs from JENIS_KLMIN.
    NikSexMismatch,
    /// JENIS_KLMIN missing or unreadable: derived from the NIK day.
    SexDerivedFromNik,
    /// Domicile code not in the Kemendagri list: kept, named unknown.
    AreaNotInReference,
    /// STAT_KWN missing or unreadable: treated as not married.
    MaritalMissing,
    /// KEWARGANEGARAAN unreadable: treated as WNI.
    CitizenshipUnknown,
    /// STATUS_PENDUDUK unreadable: the row is not counted as a resident.
    RegisterStatusUnknown,
    /// Enrollment status not in the contract's lists: does not count.
    EnrollmentStatusUnknown,
    /// Enrollment NIK matches no counted population row.
    EnrollmentOrphan,
    /// Enrollment NIK matches a population row that was rejected or dropped.
    EnrollmentOfRejectedRow,
    /// Recording dated after the as-of date: does not count.
    EnrollmentAfterAsOf,
}

impl WarningKind {
    pub const ALL: [WarningKind; 11] = [
        WarningKind::NikDateMismatch,
        WarningKind::NikSexMismatch,
        WarningKind::SexDerivedFromNik,
        WarningKind::AreaNotInReference,
        WarningKind::MaritalMissing,
        WarningKind::CitizenshipUnknown,
        WarningKind::RegisterStatusUnknown,
        WarningKind::EnrollmentStatusUnknown,
        WarningKind::EnrollmentOrphan,
        WarningKind::EnrollmentOfRejectedRow,
        WarningKind::EnrollmentAfterAsOf,
    ];

    pub fn code(self) -> &'static str {
        match self {
            WarningKind::NikDateMismatch => "NIK_DATE_MISMATCH",
            WarningKind::NikSexMismatch => "NIK_SEX_MISMATCH",
            WarningKind::SexDerivedFromNik => "SEX_DERIVED_FROM_NIK",
            WarningKind::AreaNotInReference => "AREA_NOT_IN_REFERENCE",
            WarningKind::MaritalMissing => "MARITAL_STATUS_MISSING",
            WarningKind::CitizenshipUnknown => "CITIZENSHIP_UNKNOWN",
            WarningKind::RegisterStatusUnknown => "REGISTER_STATUS_UNKNOWN",
            WarningKind::EnrollmentStatusUnknown => "ENROLLMENT_STATUS_UNKNOWN",
            WarningKind::EnrollmentOrphan => "ENROLLMENT_ORPHAN",
            WarningKind::EnrollmentOfRejectedRow => "ENROLLMENT_OF_REJECTED_ROW",
            WarningKind::EnrollmentAfterAsOf => "ENROLLMENT_AFTER_AS_OF",
        }
    }
}
