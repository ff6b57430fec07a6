-- How much an official's daily digest of producers not linked to the bot
-- says (issue 26, /bantin): 'full', the counts, the five to call first with
-- their phones and the workbook of every one of them; or 'brief', the
-- counts alone, with a button that sends the workbook when the official
-- asks for it (an export of phones, audited then). A constant default adds
-- the column without rewriting the table.
ALTER TABLE officials ADD COLUMN unlinked_digest text NOT NULL DEFAULT 'full'
    CHECK (unlinked_digest IN ('full', 'brief'));
