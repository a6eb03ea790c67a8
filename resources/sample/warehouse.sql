-- The D365 Sync sample warehouse: one table, customers, with exactly 10,000 plausible, fictional customers.
-- Built at build time with:   sqlite3 warehouse.db ".read warehouse.sql"
--
-- Everything is generated deterministically (no random()): the same script always yields the same rows, so tests
-- and demo runs are reproducible. Each customer id is hashed with a few independent hashes; each hash picks an
-- entry of a small lookup table (names, companies, job titles, cities, lead sources).
--
-- Value limits follow the Dataverse columns the sample mapping writes to: firstname/lastname <= 50,
-- emailaddress1 <= 100, telephone1 <= 50, jobtitle <= 100, address1_city <= 80, new_companyname <= 100.
--
-- lifetime_value is generated as integer cents / 100.0. The column has NUMERIC affinity, so SQLite stores it as
-- REAL (or as INTEGER when the amount is whole). Reading it back as a double and formatting it with 2 decimals
-- (or with the shortest round-trip representation) gives exactly the generated amount.
-- See README.md in this folder.

PRAGMA foreign_keys = ON;
BEGIN;

DROP TABLE IF EXISTS customers;
CREATE TABLE customers (
    customer_id    INTEGER PRIMARY KEY,
    first_name     TEXT NOT NULL CHECK (length(first_name) BETWEEN 1 AND 50),
    last_name      TEXT NOT NULL CHECK (length(last_name) BETWEEN 1 AND 50),
    email          TEXT NOT NULL UNIQUE CHECK (length(email) <= 100),
    phone          TEXT CHECK (phone IS NULL OR length(phone) <= 50),
    company        TEXT CHECK (company IS NULL OR length(company) <= 100),
    job_title      TEXT CHECK (job_title IS NULL OR length(job_title) <= 100),
    city           TEXT CHECK (city IS NULL OR length(city) <= 80),
    lifetime_value NUMERIC NOT NULL CHECK (lifetime_value BETWEEN 0 AND 25000),
    lead_source    TEXT NOT NULL CHECK (lead_source IN
                       ('Web', 'Referral', 'Trade Show', 'Partner', 'Advertisement', 'Webinar', 'Other')),
    signup_date    TEXT NOT NULL CHECK (signup_date GLOB '20[12][0-9]-[01][0-9]-[0-3][0-9]'
                                        AND signup_date BETWEEN '2015-01-01' AND '2025-12-31')
);

-- Lookup tables (temporary: they are not part of the sample database). "slug" is the e-mail spelling of a name:
-- lower-case ASCII, accents transliterated, apostrophes and spaces dropped (hyphens kept).
CREATE TEMP TABLE first_names (i INTEGER PRIMARY KEY, name TEXT NOT NULL, slug TEXT NOT NULL);
INSERT INTO first_names (i, name, slug) VALUES
    (0, 'James', 'james'), (1, 'Mary', 'mary'), (2, 'Liam', 'liam'), (3, 'Olivia', 'olivia'),
    (4, 'Noah', 'noah'), (5, 'Emma', 'emma'), (6, 'Sophia', 'sophia'), (7, 'Lucas', 'lucas'),
    (8, 'Chloé', 'chloe'), (9, 'José', 'jose'), (10, 'María', 'maria'), (11, 'Jürgen', 'juergen'),
    (12, 'Zoë', 'zoe'), (13, 'Björn', 'bjoern'), (14, 'Søren', 'soeren'), (15, 'Ingrid', 'ingrid'),
    (16, 'François', 'francois'), (17, 'Hélène', 'helene'), (18, 'Aoife', 'aoife'), (19, 'Siobhán', 'siobhan'),
    (20, 'Seán', 'sean'), (21, 'Priya', 'priya'), (22, 'Arjun', 'arjun'), (23, 'Mei', 'mei'),
    (24, 'Wei', 'wei'), (25, 'Hiroshi', 'hiroshi'), (26, 'Yuki', 'yuki'), (27, 'Min-jun', 'min-jun'),
    (28, 'Ji-woo', 'ji-woo'), (29, 'Fatima', 'fatima'), (30, 'Omar', 'omar'), (31, 'Aisha', 'aisha'),
    (32, 'Mohammed', 'mohammed'), (33, 'Chinedu', 'chinedu'), (34, 'Amara', 'amara'), (35, 'Kwame', 'kwame'),
    (36, 'Thandiwe', 'thandiwe'), (37, 'Mateo', 'mateo'), (38, 'Valentina', 'valentina'), (39, 'João', 'joao'),
    (40, 'Inês', 'ines'), (41, 'Łukasz', 'lukasz'), (42, 'Agnieszka', 'agnieszka'), (43, 'Dmitri', 'dmitri'),
    (44, 'Anastasia', 'anastasia'), (45, 'Giulia', 'giulia'), (46, 'Alessandro', 'alessandro'), (47, 'Nikos', 'nikos'),
    (48, 'Eleni', 'eleni'), (49, 'Oğuz', 'oguz'), (50, 'Elif', 'elif'), (51, 'Ana-Sofía', 'ana-sofia'),
    (52, 'Jean-Luc', 'jean-luc'), (53, 'Mary Kate', 'marykate'), (54, 'D''Andre', 'dandre'), (55, 'Ngozi', 'ngozi'),
    (56, 'Tomás', 'tomas'), (57, 'Astrid', 'astrid'), (58, 'Henrik', 'henrik'), (59, 'Ravi', 'ravi'),
    (60, 'Leilani', 'leilani');

CREATE TEMP TABLE last_names (i INTEGER PRIMARY KEY, name TEXT NOT NULL, slug TEXT NOT NULL);
INSERT INTO last_names (i, name, slug) VALUES
    (0, 'Smith', 'smith'), (1, 'Johnson', 'johnson'), (2, 'Williams', 'williams'), (3, 'Brown', 'brown'),
    (4, 'O''Brien', 'obrien'), (5, 'O''Connor', 'oconnor'), (6, 'McCarthy', 'mccarthy'), (7, 'Müller', 'mueller'),
    (8, 'Schröder', 'schroeder'), (9, 'Weiß', 'weiss'), (10, 'García', 'garcia'), (11, 'Fernández', 'fernandez'),
    (12, 'López', 'lopez'), (13, 'Martínez', 'martinez'), (14, 'Nuñez', 'nunez'), (15, 'Dubois', 'dubois'),
    (16, 'Lefèvre', 'lefevre'), (17, 'Rousseau', 'rousseau'), (18, 'Rossi', 'rossi'), (19, 'Bianchi', 'bianchi'),
    (20, 'D''Angelo', 'dangelo'), (21, 'Conceição', 'conceicao'), (22, 'Gonçalves', 'goncalves'), (23, 'Kowalski', 'kowalski'),
    (24, 'Wiśniewska', 'wisniewska'), (25, 'Nowak', 'nowak'), (26, 'Novák', 'novak'), (27, 'Dvořák', 'dvorak'),
    (28, 'Andersson', 'andersson'), (29, 'Johansson', 'johansson'), (30, 'Østergaard', 'oestergaard'), (31, 'Virtanen', 'virtanen'),
    (32, 'Jensen', 'jensen'), (33, 'Van der Berg', 'vanderberg'), (34, 'De Vries', 'devries'), (35, 'Janssens', 'janssens'),
    (36, 'Papadopoulos', 'papadopoulos'), (37, 'Yılmaz', 'yilmaz'), (38, 'Öztürk', 'oeztuerk'), (39, 'Ivanov', 'ivanov'),
    (40, 'Petrova', 'petrova'), (41, 'Kim', 'kim'), (42, 'Park', 'park'), (43, 'Nguyen', 'nguyen'),
    (44, 'Tran', 'tran'), (45, 'Wang', 'wang'), (46, 'Li', 'li'), (47, 'Chen', 'chen'),
    (48, 'Tanaka', 'tanaka'), (49, 'Sato', 'sato'), (50, 'Patel', 'patel'), (51, 'Sharma', 'sharma'),
    (52, 'Iyer', 'iyer'), (53, 'Okafor', 'okafor'), (54, 'Adeyemi', 'adeyemi'), (55, 'Mensah', 'mensah'),
    (56, 'Dlamini', 'dlamini'), (57, 'Haddad', 'haddad'), (58, 'Al-Sayed', 'al-sayed'), (59, 'Cohen', 'cohen'),
    (60, 'Silva', 'silva'), (61, 'Santos', 'santos'), (62, 'Hernández-Ruiz', 'hernandez-ruiz'), (63, 'Smith-Jones', 'smith-jones'),
    (64, 'Taylor', 'taylor'), (65, 'MacDonald', 'macdonald'), (66, 'Kealoha', 'kealoha');

-- Fictional companies (Microsoft's sample names plus a few international ones). company is NULL for some
-- customers (private buyers), decided in the INSERT below.
CREATE TEMP TABLE companies (i INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO companies (i, name) VALUES
    (0, 'Contoso Ltd.'), (1, 'Fabrikam, Inc.'), (2, 'Northwind Traders'), (3, 'Adventure Works Cycles'),
    (4, 'Tailspin Toys'), (5, 'Wide World Importers'), (6, 'Litware, Inc.'), (7, 'Proseware, Inc.'),
    (8, 'Alpine Ski House'), (9, 'Coho Winery'), (10, 'Fourth Coffee'), (11, 'Wingtip Toys'),
    (12, 'Lamna Healthcare Company'), (13, 'Trey Research'), (14, 'Woodgrove Bank'), (15, 'Margie''s Travel'),
    (16, 'Blue Yonder Airlines'), (17, 'City Power & Light'), (18, 'Graphic Design Institute'), (19, 'Humongous Insurance'),
    (20, 'Lucerne Publishing'), (21, 'Relecloud'), (22, 'Southridge Video'), (23, 'VanArsdel, Ltd.'),
    (24, 'School of Fine Art'), (25, 'Consolidated Messenger'), (26, 'A. Datum Corporation'), (27, 'Bellows College'),
    (28, 'Best For You Organics Company'), (29, 'First Up Consultants'), (30, 'Nod Publishers'), (31, 'Olympia Tea House'),
    (32, 'Müller & Söhne Maschinenbau GmbH'), (33, 'Société Lumière SARL'), (34, 'Hoteles García y Asociados S.A.'),
    (35, 'Nordlys Energi AS'), (36, 'Sakura Logistics K.K.'), (37, 'Lagos Fintech Partners Ltd.'),
    (38, 'O''Reilly''s Hardware & Garden Supplies of Greater Dublin Incorporated'), (39, 'Kowalski i Synowie Sp. z o.o.'),
    (40, 'Datum Analytics Pty Ltd');

CREATE TEMP TABLE job_titles (i INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO job_titles (i, name) VALUES
    (0, 'CRM Administrator'), (1, 'Sales Manager'), (2, 'Account Executive'), (3, 'Marketing Coordinator'),
    (4, 'Chief Executive Officer'), (5, 'Chief Financial Officer'), (6, 'Head of Operations'), (7, 'Purchasing Agent'),
    (8, 'Software Engineer'), (9, 'Data Analyst'), (10, 'Customer Success Manager'), (11, 'Office Manager'),
    (12, 'Procurement Specialist'), (13, 'IT Director'), (14, 'Business Development Representative'), (15, 'Owner'),
    (16, 'Consultant'), (17, 'Project Manager'), (18, 'Product Owner'), (19, 'Head of Customer Experience'),
    (20, 'Vice President, Sales & Marketing'), (21, 'Regional Director, Europe, Middle East and Africa'),
    (22, 'Senior Manager, Strategic Partnerships and Channel Alliances for North and South America'),
    (23, 'Store Manager'), (24, 'Logistics Coordinator'), (25, 'HR Business Partner'), (26, 'Facilities Manager'),
    (27, 'Research Scientist'), (28, 'Teacher');

CREATE TEMP TABLE cities (i INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO cities (i, name) VALUES
    (0, 'Seattle'), (1, 'New York'), (2, 'Chicago'), (3, 'Austin'), (4, 'San Francisco'), (5, 'Toronto'),
    (6, 'Montréal'), (7, 'Mexico City'), (8, 'São Paulo'), (9, 'Buenos Aires'), (10, 'London'), (11, 'Dublin'),
    (12, 'Paris'), (13, 'München'), (14, 'Berlin'), (15, 'Zürich'), (16, 'Wien'), (17, 'Kraków'),
    (18, 'Praha'), (19, 'København'), (20, 'Göteborg'), (21, 'Helsinki'), (22, 'Madrid'), (23, 'A Coruña'),
    (24, 'Lisboa'), (25, 'Roma'), (26, 'Athens'), (27, 'İstanbul'), (28, 'Dubai'), (29, 'Lagos'),
    (30, 'Nairobi'), (31, 'Cape Town'), (32, 'Mumbai'), (33, 'Bengaluru'), (34, 'Singapore'), (35, 'Tokyo'),
    (36, 'Seoul'), (37, 'Sydney'), (38, 'Auckland'), (39, 'Llanfairpwllgwyngyll'), (40, 'Saint-Jean-sur-Richelieu'),
    (41, 'Honolulu');

-- Weighted: most customers come from the web, few from "Other".
CREATE TEMP TABLE lead_sources (i INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO lead_sources (i, name) VALUES
    (0, 'Web'), (1, 'Web'), (2, 'Web'), (3, 'Web'), (4, 'Web'), (5, 'Web'), (6, 'Referral'), (7, 'Referral'),
    (8, 'Referral'), (9, 'Referral'), (10, 'Trade Show'), (11, 'Trade Show'), (12, 'Partner'), (13, 'Partner'),
    (14, 'Advertisement'), (15, 'Advertisement'), (16, 'Webinar'), (17, 'Webinar'), (18, 'Other');

-- Reserved example domains only (RFC 2606 / 6761): no sample address can reach a real mailbox.
CREATE TEMP TABLE domains (i INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO domains (i, name) VALUES
    (0, 'example.com'), (1, 'example.org'), (2, 'example.net'), (3, 'mail.example.com'),
    (4, 'customers.example.org'), (5, 'corp.example'), (6, 'shop.example.net');

-- Area codes for the fictional 555-0100..555-0199 numbers.
CREATE TEMP TABLE area_codes (i INTEGER PRIMARY KEY, code TEXT NOT NULL);
INSERT INTO area_codes (i, code) VALUES
    (0, '206'), (1, '212'), (2, '312'), (3, '415'), (4, '512'), (5, '617'), (6, '303'), (7, '305'), (8, '404');

INSERT INTO customers (customer_id, first_name, last_name, email, phone, company, job_title, city,
                       lifetime_value, lead_source, signup_date)
WITH RECURSIVE
    seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 10000),
    -- Independent hashes of the id: a linear step, then squaring modulo a prime so that neighbouring ids do not
    -- get neighbouring values. Every intermediate stays below 2^62 (SQLite would switch to REAL on overflow).
    k AS (
        SELECT n,
               (n * 48271 + 11) % 2147483647 AS k1,
               (n * 69621 + 7) % 2147483647 AS k2,
               (n * 16807 + 3) % 2147483647 AS k3,
               (n * 39373 + 5) % 2147483647 AS k4,
               (n * 40692 + 1) % 2147483399 AS k5
        FROM seq),
    h AS (
        SELECT n,
               (k1 * k1 + n) % 2147483629 AS h1,
               (k2 * k2 + n) % 2147483587 AS h2,
               (k3 * k3 + n) % 2147483579 AS h3,
               (k4 * k4 + n) % 2147483563 AS h4,
               (k5 * k5 + n) % 2147483549 AS h5
        FROM k)
SELECT h.n,
       f.name,
       l.name,
       f.slug || '.' || l.slug || h.n || '@' || d.name,
       CASE WHEN h.h4 % 9 = 0 THEN NULL
            ELSE '+1 ' || a.code || '-555-01' || printf('%02d', (h.h4 / 9) % 100) END,
       CASE WHEN h.h5 % 17 = 0 THEN NULL ELSE c.name END,
       CASE WHEN h.h3 % 13 = 0 THEN NULL ELSE j.name END,
       CASE WHEN h.h2 % 23 = 0 THEN NULL ELSE ci.name END,
       ((h.h1 / 7) % 2500001) / 100.0,
       s.name,
       date('2015-01-01', '+' || ((h.h5 / 17) % 4018) || ' days')
FROM h
JOIN first_names f ON f.i = h.h1 % (SELECT count(*) FROM first_names)
JOIN last_names l ON l.i = h.h2 % (SELECT count(*) FROM last_names)
JOIN domains d ON d.i = h.h3 % (SELECT count(*) FROM domains)
JOIN area_codes a ON a.i = (h.h4 / 900) % (SELECT count(*) FROM area_codes)
JOIN companies c ON c.i = (h.h5 / 3) % (SELECT count(*) FROM companies)
JOIN job_titles j ON j.i = (h.h3 / 11) % (SELECT count(*) FROM job_titles)
JOIN cities ci ON ci.i = (h.h2 / 7) % (SELECT count(*) FROM cities)
JOIN lead_sources s ON s.i = (h.h4 / 7) % (SELECT count(*) FROM lead_sources)
ORDER BY h.n;

DROP TABLE temp.first_names;
DROP TABLE temp.last_names;
DROP TABLE temp.companies;
DROP TABLE temp.job_titles;
DROP TABLE temp.cities;
DROP TABLE temp.lead_sources;
DROP TABLE temp.domains;
DROP TABLE temp.area_codes;

COMMIT;
