"""Synthetic vendor intake (`eprovence synth`): realistic Provençal product sheets in the dialects real
vendors send, a few deliberately bad rows, and the `translations.csv` memory that covers every text.

Owns the product vocabulary (French with a Simplified-Chinese rendering per word group), the mix of sheet
dialects (data/samples/README.md describes the real ones they imitate) and the generator itself.
Generation is vectorised with numpy and written in chunks, so memory stays bounded for millions of rows;
the same seed gives the same bytes. Every bad row carries exactly one fault, counted per reject rule.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from pipeline.transform.segments_text import normalise_segment

CHUNK_ROWS = 100_000
BAD_ROW_SHARE = 0.005
NBSP = "\u00a0"                     # French Excel: before € and between thousands
GS1_FRANCE = 376                    # GS1 France prefix; company numbers and item references are invented
TRANSLATIONS_FILE = "translations.csv"
FAULTS = ("money_unreadable", "gtin_scientific", "below_min", "shelf_life_too_short")  # the rule each trips


class Term(NamedTuple):
    """A word group in French and Simplified Chinese, with the ingredient it adds (if any) in both."""

    fr: str
    zh: str
    ingredient_fr: str = ""
    ingredient_zh: str = ""


class Size(NamedTuple):
    """A net content as printed, in Chinese, its price relative to the family's first size, how often sold."""

    fr: str
    zh: str
    price_factor: float
    weight: float = 1.0


@dataclass(frozen=True)
class Family:
    """A product family: titles are product × variant × qualifier × size."""

    code: str                       # middle part of the SKU
    category: str                   # the vendor's category cell
    kind: str                       # food | cosmetics | home: picks the VAT rate and the care paragraphs
    products: tuple[Term, ...]
    variants: tuple[Term, ...]
    qualifiers: tuple[Term, ...]
    sizes: tuple[Size, ...]
    price_cents: int                # consumer price, VAT included, of the first size
    shelf_life_months: tuple[int, ...]   # () for goods sold without a DDM (candles, sachets)
    methods: tuple[Term, ...]       # the second half of the product paragraph


T, S = Term, Size
PLAIN = T("", "")
BIO = T("bio", "有机")

FAMILIES: tuple[Family, ...] = (
    Family("SAV", "Savons", "cosmetics",
           products=(
               T("Savon de Marseille", "马赛皂",
                 "huile d’olive saponifiée, eau, sel marin", "皂化橄榄油、水、海盐"),
               T("Savon surgras au beurre de karité", "乳木果油滋润皂",
                 "huile d’olive saponifiée, beurre de karité, eau", "皂化橄榄油、乳木果油、水"),
               T("Savon au lait d’ânesse", "驴奶皂",
                 "huile d’olive saponifiée, lait d’ânesse frais, eau", "皂化橄榄油、新鲜驴奶、水"),
               T("Savon à l’huile d’olive", "橄榄油皂",
                 "huile d’olive saponifiée, huile de coprah saponifiée, eau", "皂化橄榄油、皂化椰子油、水"),
               T("Savon végétal", "植物皂",
                 "huiles végétales saponifiées, glycérine, eau", "皂化植物油、甘油、水"),
               T("Savon exfoliant", "磨砂皂",
                 "huile d’olive saponifiée, poudre de noyaux d’olive, eau", "皂化橄榄油、橄榄核粉、水"),
           ),
           variants=(
               PLAIN,
               T("à la lavande fine", "真正薰衣草", "huile essentielle de lavande fine", "真正薰衣草精油"),
               T("à la verveine", "马鞭草", "extrait de verveine", "马鞭草提取物"),
               T("au miel", "蜂蜜", "miel de Provence", "普罗旺斯蜂蜜"),
               T("à la figue", "无花果", "extrait de figue", "无花果提取物"),
               T("au romarin", "迷迭香", "huile essentielle de romarin", "迷迭香精油"),
               T("à la fleur d’oranger", "橙花", "eau de fleur d’oranger", "橙花水"),
               T("à l’argile verte", "绿泥", "argile verte", "绿泥"),
               T("à l’amande douce", "甜杏仁", "huile d’amande douce", "甜杏仁油"),
               T("à la rose", "玫瑰", "extrait de rose", "玫瑰提取物"),
               T("au citron", "柠檬", "huile essentielle de citron", "柠檬精油"),
           ),
           qualifiers=(PLAIN, BIO, T("artisanal", "手工")),
           sizes=(
               S("100 g", "100克", 1), S("125 g", "125克", 1.2), S("200 g", "200克", 1.8),
               S("4 x 100 g", "4 x 100克", 3.6), S("600 g", "600克", 4.2),
               S("300 x 100 g", "300 x 100克", 260, 0.02),
           ),
           price_cents=450, shelf_life_months=(24, 36),
           methods=(
               T("cuit au chaudron selon le procédé marseillais", "采用马赛传统大锅皂化工艺制成"),
               T("saponifié à froid et séché six semaines", "冷制皂化，晾干六周"),
               T("sans colorant ni conservateur", "不含色素和防腐剂"),
               T("doux pour les peaux sensibles", "温和，适合敏感肌肤"),
           )),
    Family("SLQ", "Hygiène et soins", "cosmetics",
           products=(
               T("Savon liquide de Marseille", "马赛液体皂",
                 "eau, huile d’olive saponifiée, glycérine", "水、皂化橄榄油、甘油"),
               T("Savon noir à l’huile d’olive", "橄榄油黑皂",
                 "huile d’olive saponifiée, eau, potasse", "皂化橄榄油、水、碳酸钾"),
               T("Gel douche", "沐浴露", "eau, base lavante douce, glycérine", "水、温和洁净基质、甘油"),
               T("Crème pour les mains", "护手霜",
                 "eau, beurre de karité, huile d’olive, glycérine", "水、乳木果油、橄榄油、甘油"),
               T("Lait pour le corps", "身体乳",
                 "eau, huile d’amande douce, glycérine", "水、甜杏仁油、甘油"),
           ),
           variants=(
               PLAIN, T("à la lavande", "薰衣草", "huile essentielle de lavande", "薰衣草精油"),
               T("à la verveine", "马鞭草", "extrait de verveine", "马鞭草提取物"),
               T("à la fleur d’oranger", "橙花", "eau de fleur d’oranger", "橙花水"),
               T("à l’amande douce", "甜杏仁", "huile d’amande douce", "甜杏仁油"),
               T("au figuier", "无花果树", "parfum de figuier", "无花果树香精"),
               T("à l’olive", "橄榄", "extrait de feuille d’olivier", "橄榄叶提取物"),
           ),
           qualifiers=(PLAIN, BIO, T("recharge éco", "环保补充装")),
           sizes=(
               S("25 cl", "250毫升", 0.7), S("50 cl", "500毫升", 1), S("1 L", "1升", 1.7),
               S("5 L", "5升", 6, 0.05),
           ),
           price_cents=890, shelf_life_months=(24, 30),
           methods=(
               T("en flacon pompe", "按压瓶装"), T("sans sulfate ni paraben", "不含硫酸盐和对羟基苯甲酸酯"),
               T("fabriqué en Provence", "普罗旺斯制造"), T("pour toute la famille", "适合全家使用"),
           )),
    Family("HUI", "Huiles d’olive", "food",
           products=(
               T("Huile d’olive vierge extra", "特级初榨橄榄油",
                 "huile d’olive vierge extra", "特级初榨橄榄油"),
               T("Huile d’olive vierge extra AOP Vallée des Baux-de-Provence", "AOP莱博河谷特级初榨橄榄油",
                 "huile d’olive vierge extra", "特级初榨橄榄油"),
               T("Huile d’olive vierge extra AOP Haute-Provence", "AOP上普罗旺斯特级初榨橄榄油",
                 "huile d’olive vierge extra", "特级初榨橄榄油"),
               T("Huile d’olive de Nyons AOP", "AOP尼永橄榄油",
                 "huile d’olive vierge extra", "特级初榨橄榄油"),
               T("Huile d’olive fruité noir", "黑果香型橄榄油",
                 "huile d’olive vierge extra", "特级初榨橄榄油"),
               T("Huile d’olive fruité vert", "青果香型橄榄油",
                 "huile d’olive vierge extra", "特级初榨橄榄油"),
           ),
           variants=(
               PLAIN, T("Aglandau", "阿格朗多品种"), T("Salonenque", "萨洛南克品种"),
               T("Bouteillan", "布泰扬品种"), T("Tanche", "坦什品种"),
               T("au basilic", "罗勒风味", "basilic", "罗勒"), T("au citron", "柠檬风味", "citron", "柠檬"),
               T("à l’ail", "大蒜风味", "ail", "大蒜"), T("au piment", "辣椒风味", "piment", "辣椒"),
           ),
           qualifiers=(PLAIN, BIO, T("nouvelle récolte", "新季")),
           sizes=(
               S("25 cl", "250毫升", 0.6), S("50 cl", "500毫升", 1), S("75 cl", "750毫升", 1.4),
               S("1 L", "1升", 1.8), S("3 L", "3升", 4.8, 0.5), S("5 L", "5升", 7.5, 0.3),
               S("6 x 75 cl", "6 x 750毫升", 8, 0.05),
           ),
           price_cents=1490, shelf_life_months=(18, 24),
           methods=(
               T("extraite à froid au moulin dans les 24 heures suivant la récolte",
                 "采收后24小时内在油坊冷榨"),
               T("aux arômes d’herbe coupée et d’artichaut", "带有青草和洋蓟的香气"),
               T("idéale crue sur une salade ou un poisson grillé", "适合生食，搭配沙拉或烤鱼"),
               T("issue d’oliviers cultivés sans traitement chimique", "源自未经化学处理的橄榄树"),
           )),
    Family("TAP", "Épicerie salée", "food",
           products=(
               T("Tapenade noire", "黑橄榄酱",
                 "olives noires, câpres, huile d’olive, anchois, ail",
                 "黑橄榄、刺山柑、橄榄油、凤尾鱼、大蒜"),
               T("Tapenade verte", "绿橄榄酱",
                 "olives vertes, câpres, huile d’olive, ail", "绿橄榄、刺山柑、橄榄油、大蒜"),
               T("Anchoïade", "凤尾鱼酱",
                 "anchois, huile d’olive, ail, vinaigre de vin", "凤尾鱼、橄榄油、大蒜、葡萄酒醋"),
               T("Caviar d’aubergine", "茄子酱",
                 "aubergines, huile d’olive, ail, sel", "茄子、橄榄油、大蒜、盐"),
               T("Pistou", "普罗旺斯青酱", "basilic, huile d’olive, ail, sel", "罗勒、橄榄油、大蒜、盐"),
               T("Tartinade de tomates séchées", "番茄干抹酱",
                 "tomates séchées, huile d’olive, origan, sel", "番茄干、橄榄油、牛至、盐"),
           ),
           variants=(
               PLAIN, T("aux amandes", "杏仁", "amandes", "杏仁"), T("au basilic", "罗勒", "basilic", "罗勒"),
               T("aux figues", "无花果", "figues", "无花果"),
               T("au piment d’Espelette", "埃斯佩莱特辣椒", "piment d’Espelette", "埃斯佩莱特辣椒"),
               T("aux herbes de Provence", "普罗旺斯香草", "herbes de Provence", "普罗旺斯香草"),
           ),
           qualifiers=(PLAIN, BIO, T("recette du moulin", "油坊配方")),
           sizes=(
               S("90 g", "90克", 0.85), S("100 g", "100克", 1), S("180 g", "180克", 1.6),
               S("3 x 90 g", "3 x 90克", 2.4, 0.5), S("1 kg", "1千克", 7.5, 0.05),
           ),
           price_cents=590, shelf_life_months=(18, 24),
           methods=(
               T("à tartiner sur du pain grillé à l’apéritif", "开胃时涂抹烤面包享用"),
               T("sans conservateur ni colorant", "不含防腐剂和色素"),
               T("recette provençale transmise depuis trois générations", "三代相传的普罗旺斯配方"),
               T("olives récoltées et dénoyautées à la main", "手工采摘和去核的橄榄"),
           )),
    Family("CAL", "Confiserie", "food",
           products=(
               T("Calissons d’Aix", "艾克斯杏仁糖",
                 "amandes, melon confit, sucre, pain azyme", "杏仁、糖渍甜瓜、糖、无酵薄饼"),
               T("Calissons", "杏仁糖",
                 "amandes, melon confit, sucre, pain azyme", "杏仁、糖渍甜瓜、糖、无酵薄饼"),
               T("Mini calissons", "迷你杏仁糖",
                 "amandes, melon confit, sucre, pain azyme", "杏仁、糖渍甜瓜、糖、无酵薄饼"),
               T("Calissons enrobés de chocolat", "巧克力杏仁糖",
                 "amandes, melon confit, sucre, chocolat noir", "杏仁、糖渍甜瓜、糖、黑巧克力"),
           ),
           variants=(
               PLAIN, T("à l’orange", "橙子", "écorces d’orange confites", "糖渍橙皮"),
               T("au citron", "柠檬", "citron confit", "糖渍柠檬"),
               T("à la lavande", "薰衣草", "fleurs de lavande", "薰衣草花"),
               T("à la pistache", "开心果", "pistaches", "开心果"), T("au miel", "蜂蜜", "miel", "蜂蜜"),
               T("à la figue", "无花果", "figues", "无花果"),
           ),
           qualifiers=(PLAIN, T("traditionnels", "传统"), BIO),
           sizes=(
               S("100 g", "100克", 1), S("200 g", "200克", 1.9), S("250 g", "250克", 2.3),
               S("500 g", "500克", 4.4), S("12 x 250 g", "12 x 250克", 24, 0.03),
           ),
           price_cents=890, shelf_life_months=(12,),
           methods=(
               T("façonnés à la main à Aix-en-Provence", "在艾克斯普罗旺斯手工制作"),
               T("pâte d’amande et de melon confit sur une feuille de pain azyme",
                 "杏仁与糖渍甜瓜制成的糖膏，铺于无酵薄饼上"),
               T("glacés au sucre royal", "表面覆以糖霜"),
               T("présentés dans la boîte en losange traditionnelle", "装于传统菱形礼盒"),
           )),
    Family("NOU", "Confiserie", "food",
           products=(
               T("Nougat blanc tendre", "软质白牛轧糖",
                 "miel, amandes, sucre, blanc d’œuf, pain azyme", "蜂蜜、杏仁、糖、蛋白、无酵薄饼"),
               T("Nougat noir", "黑牛轧糖", "miel, amandes, sucre", "蜂蜜、杏仁、糖"),
               T("Nougat de Montélimar", "蒙特利马尔牛轧糖",
                 "miel, amandes, pistaches, sucre, blanc d’œuf", "蜂蜜、杏仁、开心果、糖、蛋白"),
               T("Nougat tendre", "软牛轧糖", "miel, sucre, amandes, blanc d’œuf", "蜂蜜、糖、杏仁、蛋白"),
               T("Barre de nougat", "牛轧糖棒", "miel, amandes, sucre, blanc d’œuf", "蜂蜜、杏仁、糖、蛋白"),
           ),
           variants=(
               PLAIN, T("au miel de lavande", "薰衣草蜂蜜", "miel de lavande", "薰衣草蜂蜜"),
               T("aux pistaches", "开心果", "pistaches", "开心果"),
               T("aux fruits confits", "蜜饯", "fruits confits", "蜜饯"),
               T("à la figue", "无花果", "figues", "无花果"),
               T("au chocolat", "巧克力", "chocolat noir", "黑巧克力"),
               T("aux noisettes", "榛子", "noisettes", "榛子"),
           ),
           qualifiers=(PLAIN, BIO, T("artisanal", "手工")),
           sizes=(
               S("100 g", "100克", 1), S("150 g", "150克", 1.4), S("250 g", "250克", 2.2),
               S("500 g", "500克", 4.2), S("1 kg", "1千克", 8, 0.3), S("10 x 1 kg", "10 x 1千克", 75, 0.02),
           ),
           price_cents=690, shelf_life_months=(12, 18),
           methods=(
               T("cuit lentement au chaudron de cuivre", "在铜锅中慢火熬制"),
               T("garni d’amandes de Provence grillées", "加入烘烤过的普罗旺斯杏仁"),
               T("découpé à la main", "手工切块"),
               T("l’un des treize desserts du Noël provençal", "普罗旺斯圣诞节十三道甜点之一"),
           )),
    Family("MIE", "Miels", "food",
           products=(
               T("Miel de lavande", "薰衣草蜂蜜", "miel de lavande", "薰衣草蜂蜜"),
               T("Miel de romarin", "迷迭香蜂蜜", "miel de romarin", "迷迭香蜂蜜"),
               T("Miel de thym", "百里香蜂蜜", "miel de thym", "百里香蜂蜜"),
               T("Miel toutes fleurs", "百花蜜", "miel toutes fleurs", "百花蜜"),
               T("Miel de châtaignier", "栗树蜜", "miel de châtaignier", "栗树蜜"),
               T("Miel de garrigue", "灌木丛蜂蜜", "miel de garrigue", "灌木丛蜂蜜"),
               T("Miel d’acacia", "槐花蜜", "miel d’acacia", "槐花蜜"),
           ),
           variants=(
               PLAIN, T("crémeux", "奶油状"), T("liquide", "液态"), T("IGP Provence", "IGP普罗旺斯"),
               T("Label Rouge", "红标"), T("en rayon", "巢蜜装"),
           ),
           qualifiers=(PLAIN, BIO, T("récolte d’été", "夏季采收")),
           sizes=(
               S("125 g", "125克", 0.6), S("250 g", "250克", 1), S("500 g", "500克", 1.8),
               S("1 kg", "1千克", 3.3), S("3 x 125 g", "3 x 125克", 1.7, 0.5), S("20 kg", "20千克", 50, 0.02),
           ),
           price_cents=790, shelf_life_months=(24,),
           methods=(
               T("récolté par nos abeilles sur le plateau de Valensole", "由我们的蜜蜂在瓦朗索勒高原采集"),
               T("extrait à froid, jamais chauffé", "冷取，从未加热"),
               T("au goût floral et délicat", "口感花香细腻"), T("mis en pot à la miellerie", "在蜂蜜坊装罐"),
           )),
    Family("HEL", "Huiles essentielles", "cosmetics",
           products=(
               T("Huile essentielle de lavande fine", "真正薰衣草精油",
                 "huile essentielle de lavande fine", "真正薰衣草精油"),
               T("Huile essentielle de lavandin grosso", "醒目薰衣草精油",
                 "huile essentielle de lavandin", "醒目薰衣草精油"),
               T("Huile essentielle de lavande aspic", "穗花薰衣草精油",
                 "huile essentielle de lavande aspic", "穗花薰衣草精油"),
               T("Huile essentielle de romarin à cinéole", "桉油醇迷迭香精油",
                 "huile essentielle de romarin", "迷迭香精油"),
               T("Huile essentielle de thym à linalol", "沉香醇百里香精油",
                 "huile essentielle de thym", "百里香精油"),
               T("Huile essentielle de sauge sclarée", "快乐鼠尾草精油",
                 "huile essentielle de sauge sclarée", "快乐鼠尾草精油"),
               T("Huile essentielle d’hélichryse italienne", "意大利永久花精油",
                 "huile essentielle d’hélichryse", "永久花精油"),
           ),
           variants=(
               PLAIN, T("AOP de Haute-Provence", "AOP上普罗旺斯"), T("de Valensole", "瓦朗索勒"),
               T("du plateau d’Albion", "阿尔比恩高原"), T("de la Drôme provençale", "德龙省普罗旺斯地区"),
           ),
           qualifiers=(PLAIN, BIO, T("100 % pure et naturelle", "100%纯天然")),
           sizes=(
               S("5 ml", "5毫升", 0.6), S("10 ml", "10毫升", 1), S("30 ml", "30毫升", 2.4),
               S("100 ml", "100毫升", 6.5), S("1 L", "1升", 45, 0.03), S("5 L", "5升", 210, 0.01),
           ),
           price_cents=1090, shelf_life_months=(36, 48, 60),
           methods=(
               T("distillée à la vapeur d’eau", "水蒸气蒸馏"),
               T("pour la diffusion et le bain", "适用于扩香和沐浴"),
               T("contrôlée par chromatographie", "经色谱检测"), T("récoltée en plein été", "盛夏采收"),
           )),
    Family("EAU", "Eaux florales", "cosmetics",
           products=(
               T("Eau florale de lavande", "薰衣草纯露", "hydrolat de lavande", "薰衣草纯露"),
               T("Eau florale de fleur d’oranger", "橙花纯露", "hydrolat de fleur d’oranger", "橙花纯露"),
               T("Eau florale de rose de Damas", "大马士革玫瑰纯露", "hydrolat de rose", "玫瑰纯露"),
               T("Hydrolat de romarin", "迷迭香纯露", "hydrolat de romarin", "迷迭香纯露"),
               T("Hydrolat de bleuet", "矢车菊纯露", "hydrolat de bleuet", "矢车菊纯露"),
           ),
           variants=(
               PLAIN, T("en flacon spray", "喷雾瓶装"), T("en flacon de verre", "玻璃瓶装"),
               T("de Grasse", "格拉斯"), T("format voyage", "旅行装"),
           ),
           qualifiers=(PLAIN, BIO),
           sizes=(
               S("100 ml", "100毫升", 1), S("200 ml", "200毫升", 1.7), S("500 ml", "500毫升", 3.5),
               S("1 L", "1升", 6, 0.2),
           ),
           price_cents=790, shelf_life_months=(12, 18),
           methods=(
               T("recueillie pendant la distillation des fleurs", "在蒸馏花朵时收集"),
               T("tonique pour le visage et parfum pour le linge", "可用作爽肤水或衣物香氛"),
               T("sans alcool ni conservateur", "不含酒精和防腐剂"),
               T("à garder au frais après ouverture", "开封后请冷藏"),
           )),
    Family("SAC", "Senteurs de la maison", "home",
           products=(
               T("Sachet de lavande", "薰衣草香包",
                 "fleurs de lavandin séchées, coton", "干燥醒目薰衣草花、棉布"),
               T("Coussin de lavande", "薰衣草香枕",
                 "fleurs de lavandin séchées, coton", "干燥醒目薰衣草花、棉布"),
               T("Bouquet de lavande séchée", "干薰衣草花束", "tiges de lavande séchées", "干燥薰衣草花茎"),
               T("Pochon de lavande", "薰衣草布袋", "fleurs de lavande séchées, lin", "干燥薰衣草花、亚麻"),
           ),
           variants=(
               PLAIN, T("en coton imprimé provençal", "普罗旺斯印花棉布"), T("en lin naturel", "天然亚麻"),
               T("en organza", "欧根纱"), T("brodé main", "手工刺绣"),
           ),
           qualifiers=(PLAIN, BIO),
           sizes=(
               S("10 g", "10克", 0.8), S("15 g", "15克", 1), S("3 x 15 g", "3 x 15克", 2.5),
               S("5 x 20 g", "5 x 20克", 4.5), S("100 g", "100克", 4), S("500 g", "500克", 15, 0.05),
           ),
           price_cents=490, shelf_life_months=(),
           methods=(
               T("pour parfumer armoires et tiroirs", "用于为衣柜和抽屉增香"),
               T("garni de fleurs séchées au soleil de Provence", "内填在普罗旺斯阳光下晒干的花朵"),
               T("à raviver en le pressant entre les doigts", "用手指轻压即可恢复香气"),
               T("cousu dans un atelier de Provence", "在普罗旺斯的工坊缝制"),
           )),
    Family("BOU", "Bougies", "home",
           products=(
               T("Bougie parfumée", "香薰蜡烛",
                 "cire de soja, parfum, mèche en coton", "大豆蜡、香精、棉芯"),
               T("Bougie en verre", "玻璃杯蜡烛",
                 "cire de colza, parfum, mèche en coton", "菜籽蜡、香精、棉芯"),
               T("Bougie de voyage", "旅行蜡烛",
                 "cire de soja, parfum, mèche en coton", "大豆蜡、香精、棉芯"),
               T("Bougie en terre cuite", "陶罐蜡烛",
                 "cire végétale, parfum, mèche en coton", "植物蜡、香精、棉芯"),
               T("Fondant parfumé", "香薰蜡块", "cire de soja, parfum", "大豆蜡、香精"),
           ),
           variants=(
               T("à la lavande", "薰衣草"), T("à la figue", "无花果"), T("à la verveine", "马鞭草"),
               T("à la fleur d’oranger", "橙花"), T("au mimosa", "含羞草"), T("à l’olivier", "橄榄树"),
               T("au thym", "百里香"),
           ),
           qualifiers=(PLAIN, T("édition Noël", "圣诞版")),
           sizes=(
               S("80 g", "80克", 0.5), S("180 g", "180克", 1), S("300 g", "300克", 1.5),
               S("2 x 80 g", "2 x 80克", 0.9),
           ),
           price_cents=1490, shelf_life_months=(),
           methods=(
               T("coulée à la main en Provence", "在普罗旺斯手工浇铸"),
               T("environ 40 heures de combustion", "约可燃烧40小时"),
               T("cire végétale et mèche en coton", "植物蜡与棉芯"),
               T("parfum élaboré à Grasse", "香精调制于格拉斯"),
           )),
    Family("HER", "Herbes et épices", "food",
           products=(
               T("Herbes de Provence", "普罗旺斯香草",
                 "thym, romarin, sarriette, origan", "百里香、迷迭香、香薄荷、牛至"),
               T("Thym de Provence", "普罗旺斯百里香", "thym", "百里香"),
               T("Romarin séché", "干迷迭香", "romarin", "迷迭香"),
               T("Sarriette", "香薄荷", "sarriette", "香薄荷"),
               T("Fleur de sel de Camargue", "卡马格盐之花", "fleur de sel", "盐之花"),
               T("Sel aux herbes de Provence", "普罗旺斯香草盐",
                 "sel de Camargue, thym, romarin", "卡马格盐、百里香、迷迭香"),
               T("Mélange pour grillades", "烧烤香料",
                 "thym, romarin, ail, poivre, sel", "百里香、迷迭香、大蒜、胡椒、盐"),
           ),
           variants=(
               PLAIN, T("Label Rouge", "红标"), T("en sachet kraft", "牛皮纸袋装"),
               T("en pot de verre", "玻璃罐装"), T("en moulin", "研磨瓶装"), T("en boîte métal", "铁盒装"),
           ),
           qualifiers=(PLAIN, BIO, T("IGP", "IGP")),
           sizes=(
               S("20 g", "20克", 0.6), S("50 g", "50克", 1), S("100 g", "100克", 1.7),
               S("250 g", "250克", 3.5), S("1 kg", "1千克", 11, 0.05),
           ),
           price_cents=450, shelf_life_months=(24, 36),
           methods=(
               T("récolte et séchage en Provence", "在普罗旺斯采收和晾干"),
               T("pour les grillades, les ratatouilles et les soupes", "适合烧烤、普罗旺斯炖菜和汤品"),
               T("sans additif ni conservateur", "无添加剂和防腐剂"),
               T("le parfum de la garrigue dans la cuisine", "把灌木丛的芬芳带进厨房"),
           )),
    Family("FRU", "Fruits confits", "food",
           products=(
               T("Fruits confits d’Apt", "阿普特蜜饯",
                 "fruits, sucre, sirop de glucose", "水果、糖、葡萄糖浆"),
               T("Assortiment de fruits confits", "什锦蜜饯",
                 "fruits, sucre, sirop de glucose", "水果、糖、葡萄糖浆"),
               T("Clémentines confites", "糖渍小柑橘",
                 "clémentines, sucre, sirop de glucose", "小柑橘、糖、葡萄糖浆"),
               T("Melon confit", "糖渍甜瓜", "melon, sucre, sirop de glucose", "甜瓜、糖、葡萄糖浆"),
               T("Écorces d’orange confites", "糖渍橙皮", "écorces d’orange, sucre", "橙皮、糖"),
               T("Cerises confites", "糖渍樱桃", "cerises, sucre, sirop de glucose", "樱桃、糖、葡萄糖浆"),
               T("Abricots confits", "糖渍杏", "abricots, sucre, sirop de glucose", "杏、糖、葡萄糖浆"),
           ),
           variants=(
               PLAIN, T("au sucre de canne", "蔗糖", "sucre de canne", "蔗糖"),
               T("en coffret bois", "木盒装"), T("en ballotin", "礼盒装"), T("pour pâtisserie", "烘焙用"),
               T("enrobage chocolat", "巧克力包衣", "chocolat noir", "黑巧克力"),
           ),
           qualifiers=(PLAIN, BIO, T("sélection du confiseur", "糖果师精选")),
           sizes=(
               S("150 g", "150克", 0.7), S("250 g", "250克", 1), S("500 g", "500克", 1.8),
               S("1 kg", "1千克", 3.3), S("5 kg", "5千克", 15, 0.02),
           ),
           price_cents=990, shelf_life_months=(12, 18),
           methods=(
               T("confits lentement dans un sirop de sucre, à l’ancienne", "以传统方式在糖浆中慢慢糖渍"),
               T("fruits du Vaucluse cueillis à maturité", "沃克吕兹省成熟时采摘的水果"),
               T("pour les desserts, les cakes et le Noël provençal", "适合甜点、蛋糕和普罗旺斯圣诞节"),
               T("savoir-faire des confiseurs d’Apt", "阿普特糖果师的传统工艺"),
           )),
    Family("CON", "Confitures", "food",
           products=(
               T("Confiture de figues", "无花果果酱",
                 "figues, sucre de canne, jus de citron", "无花果、蔗糖、柠檬汁"),
               T("Confiture d’abricots", "杏子果酱",
                 "abricots, sucre de canne, jus de citron", "杏子、蔗糖、柠檬汁"),
               T("Confiture de melon", "甜瓜果酱",
                 "melon, sucre de canne, jus de citron", "甜瓜、蔗糖、柠檬汁"),
               T("Confiture extra de fraises de Carpentras", "卡庞特拉特级草莓果酱",
                 "fraises, sucre de canne", "草莓、蔗糖"),
               T("Gelée de coing", "榅桲果冻", "jus de coing, sucre", "榅桲汁、糖"),
               T("Marmelade d’oranges amères", "苦橙果酱", "oranges amères, sucre", "苦橙、糖"),
               T("Crème de marrons", "栗子酱", "purée de marrons, sucre, vanille", "栗子泥、糖、香草"),
           ),
           variants=(
               PLAIN, T("à la lavande", "薰衣草", "fleurs de lavande", "薰衣草花"),
               T("aux amandes", "杏仁", "amandes", "杏仁"), T("au miel", "蜂蜜", "miel", "蜂蜜"),
               T("à la vanille", "香草", "gousse de vanille", "香草荚"),
               T("au romarin", "迷迭香", "romarin", "迷迭香"),
           ),
           qualifiers=(PLAIN, BIO, T("allégée en sucre", "低糖")),
           sizes=(
               S("220 g", "220克", 0.8), S("340 g", "340克", 1), S("3 x 220 g", "3 x 220克", 2.3),
               S("750 g", "750克", 2, 0.3),
           ),
           price_cents=690, shelf_life_months=(18, 24),
           methods=(
               T("cuite au chaudron en petites quantités", "在铜锅中小批量熬制"),
               T("avec des fruits de Provence cueillis à maturité", "采用成熟时采摘的普罗旺斯水果"),
               T("préparée avec 60 g de fruits pour 100 g", "每100克含60克水果"),
               T("sans pectine ajoutée", "不添加果胶"),
           )),
    Family("BIS", "Biscuits", "food",
           products=(
               T("Navettes à la fleur d’oranger", "橙花船形饼干",
                 "farine de blé, sucre, beurre, œufs, eau de fleur d’oranger",
                 "小麦粉、糖、黄油、鸡蛋、橙花水"),
               T("Navettes marseillaises", "马赛船形饼干",
                 "farine de blé, sucre, huile d’olive, eau de fleur d’oranger", "小麦粉、糖、橄榄油、橙花水"),
               T("Croquants aux amandes", "杏仁脆饼",
                 "farine de blé, sucre, amandes, œufs", "小麦粉、糖、杏仁、鸡蛋"),
               T("Sablés à la lavande", "薰衣草酥饼",
                 "farine de blé, beurre, sucre, fleurs de lavande", "小麦粉、黄油、糖、薰衣草花"),
               T("Biscuits à l’huile d’olive", "橄榄油饼干",
                 "farine de blé, huile d’olive, sucre", "小麦粉、橄榄油、糖"),
               T("Tuiles aux amandes", "杏仁瓦片饼",
                 "amandes, sucre, blanc d’œuf, beurre", "杏仁、糖、蛋白、黄油"),
           ),
           variants=(
               PLAIN, T("au citron", "柠檬", "zeste de citron", "柠檬皮"),
               T("à l’anis", "茴香", "anis vert", "绿茴香"), T("au chocolat", "巧克力", "chocolat", "巧克力"),
               T("au miel", "蜂蜜", "miel", "蜂蜜"), T("aux pignons", "松子", "pignons de pin", "松子"),
           ),
           qualifiers=(PLAIN, BIO, T("pur beurre", "纯黄油")),
           sizes=(
               S("100 g", "100克", 1), S("200 g", "200克", 1.8), S("250 g", "250克", 2.2),
               S("400 g", "400克", 3.4),
           ),
           price_cents=490, shelf_life_months=(9, 12),
           methods=(
               T("recette de la Chandeleur marseillaise", "马赛圣蜡节传统配方"),
               T("parfait avec un thé ou un café", "搭配茶或咖啡非常合适"),
               T("fabrication artisanale en petites fournées", "小批量手工烘焙"),
               T("emballage individuel pour le voyage", "独立包装，便于旅行携带"),
           )),
)

VAT_RATES = {"food": 0.055, "cosmetics": 0.20, "home": 0.20}   # French VAT rates (CGI art. 278, 278-0 bis)

# Care and use paragraphs, one of which may close a description, by family kind.
CARE_PARAGRAPHS: dict[str, tuple[Term, ...]] = {
    "food": (T("À conserver à l’abri de la chaleur et de l’humidité.", "请存放于阴凉干燥处。"),
             T("Après ouverture, à consommer rapidement.", "开封后请尽快食用。"),
             T("Un cadeau gourmand qui voyage bien.", "便于携带的美食礼物。"),
             T("Produit en Provence, dans le respect des saisons.", "产自普罗旺斯，顺应时令。"),
             T("Peut contenir des traces de fruits à coque.", "可能含有微量坚果。")),
    "cosmetics": (T("Usage externe. Tenir hors de portée des enfants.",
                    "仅供外用。请放在儿童接触不到的地方。"),
                  T("Conserver à l’abri de la lumière.", "请避光保存。"),
                  T("Non testé sur les animaux.", "未进行动物测试。"),
                  T("Éviter le contact avec les yeux.", "避免接触眼睛。")),
    "home": (T("Tenir hors de portée des enfants et des animaux.", "请放在儿童和宠物接触不到的地方。"),
             T("Fabriqué en Provence.", "普罗旺斯制造。"),
             T("Emballage recyclable.", "包装可回收。")),
}

# Where a vendor works: the town fills its own paragraph ({town}) of every description it writes.
TOWNS: tuple[Term, ...] = (
    T("Salon-de-Provence", "萨隆德普罗旺斯"), T("Aix-en-Provence", "艾克斯普罗旺斯"), T("Apt", "阿普特"),
    T("Forcalquier", "福卡尔基耶"), T("Manosque", "马诺斯克"), T("Valensole", "瓦朗索勒"), T("Nyons", "尼永"),
    T("Carpentras", "卡庞特拉"), T("Cavaillon", "卡瓦永"), T("Grasse", "格拉斯"), T("Marseille", "马赛"),
    T("Arles", "阿尔勒"), T("Maussane-les-Alpilles", "莫萨讷莱阿尔皮耶"), T("Montélimar", "蒙特利马尔"),
    T("Digne-les-Bains", "迪涅莱班"), T("Gordes", "戈尔德"), T("Lourmarin", "卢尔马兰"),
    T("Avignon", "阿维尼翁"), T("Saint-Rémy-de-Provence", "圣雷米普罗旺斯"), T("Banon", "巴农"),
    T("Riez", "里耶"), T("Draguignan", "德拉吉尼昂"),
)
VENDOR_PARAGRAPHS: tuple[Term, ...] = (
    T("Fabriqué à {town}, en Provence, dans notre atelier familial.",
      "产自普罗旺斯{town}，由我们的家庭作坊制作。"),
    T("Produit et conditionné à {town} par une petite équipe d’artisans.",
      "由一支小型工匠团队在{town}生产和包装。"),
    T("Une maison familiale installée à {town} depuis trois générations.",
      "一家三代扎根于{town}的家族企业。"),
    T("Expédié depuis {town} ; numéro de lot indiqué sur l’emballage.", "从{town}发货；批号见包装。"),
    T("Nos producteurs partenaires travaillent tous autour de {town}.", "我们的合作生产者都在{town}周边。"),
    T("Sélectionné et contrôlé par notre équipe à {town}.", "由我们在{town}的团队挑选并检验。"),
)

# Vendor names are "<trade> <place>"; a trade sells the families listed with it.
TRADES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Savonnerie", ("SAV", "SLQ", "BOU")),
    ("Moulin", ("HUI", "TAP", "HER")),
    ("Confiserie", ("CAL", "NOU", "FRU", "BIS")),
    ("Miellerie", ("MIE", "NOU", "CON")),
    ("Distillerie", ("HEL", "EAU", "SAC")),
    ("Mas", ("HUI", "TAP", "HER", "CON", "MIE")),
    ("Comptoir", tuple(f.code for f in FAMILIES)),
    ("Jardins", ("SAC", "HEL", "BOU", "EAU", "SAV")),
)
PLACES = ("du Vieux Lavoir", "des Trois Amandiers", "des Hautes Bastides", "des Quatre Bories",
          "de Bellecombe", "du Mont Ventoux", "des Alpilles", "de la Sainte-Victoire", "du Grand Luberon",
          "des Cigales", "de l’Olivette", "du Mistral", "des Oliviers", "de la Durance", "du Verdon",
          "des Garrigues", "de Saint-Rémy", "de la Bastide Blanche", "du Pont Julien", "des Lauzes",
          "de la Fontaine", "du Vallon", "des Restanques", "de Sainte-Croix")


@dataclass(frozen=True)
class Dialect:
    """How a vendor's sheet is written; `headers` maps canonical source names to its headers, in order."""

    file_name: str
    encoding: str
    delimiter: str
    line_end: str
    headers: dict[str, str]
    french_money: bool              # "12,50 €", VAT included; else "12.50" beside a currency column
    shelf_life_unit: str


DIALECTS = (
    Dialect("cp1252-semicolon-ttc.csv", "cp1252", ";", "\r\n",
            {"sku": "Référence", "title": "Désignation", "description": "Description", "price": "Prix TTC",
             "net_content": "Contenance", "barcode": "Code EAN", "stock": "Stock", "shelf_life": "DDM",
             "category": "Catégorie", "ingredients": "Ingrédients"}, True, "mois"),
    Dialect("utf8-comma-price-currency.csv", "utf-8", ",", "\n",
            {name: name for name in ("sku", "title", "description", "price", "currency", "net_content",
                                     "barcode", "stock", "shelf_life", "category", "ingredients")},
            False, "months"),
    Dialect("utf8-bom-comma-prix-ht.csv", "utf-8-sig", ",", "\r\n",
            {"sku": "Réf.", "title": "Nom du produit", "description": "Description", "price": "Prix HT",
             "currency": "Devise", "net_content": "Contenance", "barcode": "EAN13", "stock": "Qté",
             "shelf_life": "DLUO", "category": "Famille", "ingredients": "Ingrédients"}, False, "mois"),
)
CHF_PER_EUR = 0.94                  # a round rate for invented Swiss price lists; the run uses ECB rates
CHF_SHARE = 0.08                    # share of rows a UTF-8 vendor prices in CHF


@dataclass
class SynthSummary:
    """What `generate` wrote: data rows per file (paths relative to the output folder), bad rows per reject
    rule they trip, and how many distinct text segments translations.csv holds."""

    files: dict[str, int]
    bad_rows: dict[str, int]
    distinct_texts: int
    out: str

    @property
    def rows(self) -> int:
        return sum(self.files.values())

    @property
    def bad_rows_total(self) -> int:
        return sum(self.bad_rows.values())

    def lines(self) -> list[str]:
        faults = ", ".join(f"{rule} {count}" for rule, count in self.bad_rows.items())
        return [f"{self.rows} rows in {len(self.files)} files under {self.out}/intake",
                f"{self.bad_rows_total} bad rows ({faults})",
                f"{self.distinct_texts} distinct texts in {self.out}/{TRANSLATIONS_FILE}"]


@dataclass
class Catalogue:
    """Every sellable item (one per family × product × variant × qualifier × size) and the texts they use.

    `items` columns: family, title, paragraph, care (-1: none), ingredients (indices into the text lists),
    net_content, price_cents (VAT included), vat, shelf_life_months (0: none), weight (how often sold).
    """

    items: pd.DataFrame
    titles: list[Term]
    paragraphs: list[Term]          # product paragraphs, care paragraphs, vendor paragraphs
    ingredients: list[Term]
    vendor_paragraphs: np.ndarray   # index in `paragraphs` of each (template, town) pair, town-major


class _Texts:
    """Distinct texts in first-seen order; `add` returns a text's index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.terms: list[Term] = []

    def add(self, fr: str, zh: str) -> int:
        if fr not in self.index:
            self.index[fr] = len(self.terms)
            self.terms.append(T(fr, zh))
        return self.index[fr]


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _combinations(rng: np.random.Generator) -> pd.DataFrame:
    """family, product, variant, qualifier, size indices of every item, with a method per product line."""
    frames = []
    for number, family in enumerate(FAMILIES):
        shape = (len(family.products), len(family.variants), len(family.qualifiers), len(family.sizes))
        grid = np.indices(shape).reshape(len(shape), -1)
        frame = pd.DataFrame(dict(zip(("product", "variant", "qualifier", "size"), grid, strict=True)))
        lines = frame.groupby(["product", "variant", "qualifier"]).ngroup().to_numpy()
        frame["method"] = rng.integers(0, len(family.methods), lines.max() + 1)[lines]
        frames.append(frame.assign(family=number))
    return pd.concat(frames, ignore_index=True)


def _item_texts(combos: pd.DataFrame) -> tuple[pd.DataFrame, _Texts, _Texts, _Texts]:
    """Title, product paragraph and ingredients of each item, as indices into three text lists."""
    titles, paragraphs, ingredients = _Texts(), _Texts(), _Texts()
    indices = []
    columns = ["family", "product", "variant", "qualifier", "size", "method"]
    for f, p, v, q, s, m in combos[columns].itertuples(index=False, name=None):
        family = FAMILIES[f]
        product, variant, qualifier = family.products[p], family.variants[v], family.qualifiers[q]
        size, method = family.sizes[s], family.methods[m]
        name_fr = _join(product.fr, variant.fr, qualifier.fr)
        name_zh = qualifier.zh + variant.zh + product.zh
        parts = [(product.ingredient_fr, product.ingredient_zh)]
        if variant.ingredient_fr and variant.ingredient_fr not in product.ingredient_fr:
            parts.append((variant.ingredient_fr, variant.ingredient_zh))
        listed_fr = ", ".join(fr for fr, _ in parts)
        indices.append((titles.add(f"{name_fr} – {size.fr}", f"{name_zh} {size.zh}"),
                        paragraphs.add(f"{name_fr}, {method.fr}.", f"{name_zh}，{method.zh}。"),
                        ingredients.add(listed_fr[0].upper() + listed_fr[1:] + ".",
                                        "、".join(zh for _, zh in parts) + "。")))
    frame = pd.DataFrame(indices, columns=["title", "paragraph", "ingredients"], index=combos.index)
    return frame, titles, paragraphs, ingredients


def build_catalogue(rng: np.random.Generator) -> Catalogue:
    """The catalogue every vendor sells from; prices, shelf lives and care paragraphs drawn from `rng`."""
    combos = _combinations(rng)
    texts, titles, paragraphs, ingredients = _item_texts(combos)
    care_options = {kind: tuple(paragraphs.add(term.fr, term.zh) for term in terms)
                    for kind, terms in CARE_PARAGRAPHS.items()}
    vendor_paragraphs = np.array([paragraphs.add(template.fr.format(town=town.fr),
                                                 template.zh.format(town=town.zh))
                                  for town in TOWNS for template in VENDOR_PARAGRAPHS])
    families = [FAMILIES[f] for f in combos["family"]]
    sizes = [family.sizes[s] for family, s in zip(families, combos["size"], strict=True)]
    care = _pick_each([care_options[family.kind] for family in families], rng)
    price = (np.array([family.price_cents for family in families]) * np.array([s.price_factor for s in sizes])
             * rng.uniform(0.9, 1.15, len(combos)))
    items = texts.assign(
        family=combos["family"].to_numpy(),
        care=np.where(rng.random(len(combos)) < 0.3, -1, care),
        net_content=[s.fr for s in sizes],
        price_cents=price.round().astype(np.int64),
        vat=[VAT_RATES[family.kind] for family in families],
        shelf_life_months=_pick_each([family.shelf_life_months or (0,) for family in families], rng),
        weight=[s.weight for s in sizes])
    return Catalogue(items, titles.terms, paragraphs.terms, ingredients.terms, vendor_paragraphs)


def _pick_each(options: list[tuple[int, ...]], rng: np.random.Generator) -> np.ndarray:
    """One element of each tuple, drawn uniformly."""
    counts = np.array([len(option) for option in options])
    picks = (rng.random(len(options)) * counts).astype(np.int64)
    return np.array([option[pick] for option, pick in zip(options, picks, strict=True)], dtype=np.int64)


@dataclass(frozen=True)
class Vendor:
    """One invented producer: its folder, its sheet dialect and what it sells at which prices."""

    vendor_id: str
    name: str
    dialect: Dialect
    rows: int
    items: np.ndarray               # catalogue rows it sells
    paragraph: int                  # its own paragraph, closing each description (index in paragraphs)
    price_factor: float
    euro_space: str                 # what stands before "€": a no-break space (Excel) or a plain one
    company: int                    # invented GS1 company number
    item_digits: int                # digits of the item reference that follows it in the EAN

    @property
    def sku_prefix(self) -> str:
        """Initials of the name: "Savonnerie du Vieux Lavoir" → "SVL"."""
        return "".join(ch for ch in _ascii(self.name) if ch.isupper())


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _vendor_names(count: int, rng: np.random.Generator) -> list[tuple[str, str, tuple[str, ...]]]:
    """(vendor_id, name, family codes) of `count` vendors; ids get "-2", "-3" … once names run out."""
    pairs = list(itertools.product(TRADES, PLACES))
    order = rng.permutation(len(pairs))
    named = []
    for number in range(count):
        (trade, codes), place = pairs[order[number % len(pairs)]]
        name = f"{trade} {place}"
        slug = _ascii(re.sub(r"[\W_]+", "-", name.lower())).strip("-")
        named.append((slug if number < len(pairs) else f"{slug}-{number // len(pairs) + 1}", name, codes))
    return named


def _dialects(count: int, rng: np.random.Generator) -> list[Dialect]:
    """count // 2 French Excel sheets, the others alternately each UTF-8 dialect, in a shuffled order."""
    kinds = np.empty(count, dtype=np.int64)
    kinds[rng.permutation(count)] = [0 if j < count // 2 else 1 + (j - count // 2) % 2 for j in range(count)]
    return [DIALECTS[kind] for kind in kinds]


def plan_vendors(rows: int, count: int, catalogue: Catalogue, rng: np.random.Generator) -> list[Vendor]:
    """`count` vendors sharing `rows` unevenly, each selling part of its trade's families."""
    if count < 1 or rows < count:
        raise ValueError(f"need at least one vendor and one row per vendor (rows={rows}, vendors={count})")
    row_counts = 1 + rng.multinomial(rows - count, rng.dirichlet(np.full(count, 2.0)))
    dialects = _dialects(count, rng)
    family_codes = np.array([FAMILIES[f].code for f in catalogue.items["family"]])
    plan = []
    for number, (vendor_id, name, codes) in enumerate(_vendor_names(count, rng)):
        offered = np.flatnonzero(np.isin(family_codes, codes))
        kept = offered[rng.random(len(offered)) < 0.7]
        item_digits = max(4, len(str(row_counts[number])))
        if item_digits > 9:
            raise ValueError(f"{row_counts[number]} rows for one vendor do not fit in EAN-13 item references")
        company_digits = 9 - item_digits
        company = int(rng.integers(10 ** (company_digits - 1), 10**company_digits)) if company_digits else 0
        plan.append(Vendor(vendor_id, name, dialects[number], int(row_counts[number]),
                           kept if len(kept) else offered, int(rng.choice(catalogue.vendor_paragraphs)),
                           float(rng.uniform(0.9, 1.25)), NBSP if rng.random() < 0.8 else " ", company,
                           item_digits))
    return plan


def ean13(bodies: np.ndarray) -> np.ndarray:
    """EAN-13 numbers from their twelve-digit bodies (GS1 weights 3, 1, 3 … from the rightmost digit)."""
    total = np.zeros_like(bodies)
    rest = bodies.copy()
    for position in range(12):
        total += (rest % 10) * (3 if position % 2 == 0 else 1)
        rest //= 10
    return bodies * 10 + (10 - total % 10) % 10


def _scientific(eans: np.ndarray, decimal_mark: str) -> np.ndarray:
    """EANs as a spreadsheet shows a number column too narrow for them: "3,76099E+12" (French Excel)."""
    distinct, positions = np.unique((eans + 5 * 10**6) // 10**7, return_inverse=True)
    shown = [f"{m}"[0] + decimal_mark + f"{m}"[1:].rstrip("0") + "E+12" for m in distinct]
    return np.array(shown, dtype=object)[positions]


def format_prices(cents: np.ndarray, french_money: bool, euro_space: str = NBSP) -> np.ndarray:
    """Prices as a sheet writes them: "1 234,50 €" (French Excel: no-break spaces) or "1234.50"."""
    distinct, positions = np.unique(cents, return_inverse=True)
    if french_money:
        text = [f"{c // 100:,}".replace(",", NBSP) + f",{c % 100:02d}{euro_space}€" for c in distinct]
    else:
        text = [f"{c // 100}.{c % 100:02d}" for c in distinct]
    return np.array(text, dtype=object)[positions]


def _round_cents(cents: np.ndarray) -> np.ndarray:
    """To the ten cents, never below 0.10."""
    return np.maximum(10, np.round(cents / 10).astype(np.int64) * 10)


def vendor_table(vendor: Vendor, catalogue: Catalogue) -> dict[str, np.ndarray]:
    """The cells of each item the vendor sells as its sheet writes them; drawn rows take from these."""
    items = catalogue.items.iloc[vendor.items]
    paragraphs = np.array([term.fr for term in catalogue.paragraphs], dtype=object)
    own = paragraphs[vendor.paragraph]
    description = [f"{main}\n{own}" + (f"\n{paragraphs[care]}" if care >= 0 else "")
                   for main, care in zip(paragraphs[items["paragraph"]], items["care"], strict=True)]
    months = items["shelf_life_months"].to_numpy()
    cents = items["price_cents"].to_numpy() * vendor.price_factor
    if not vendor.dialect.french_money:
        cents = cents / (1 + items["vat"].to_numpy())
    cents = _round_cents(cents)
    codes = np.array([FAMILIES[f].code for f in items["family"]], dtype=object)
    shelf_life = months.astype(str).astype(object) + f" {vendor.dialect.shelf_life_unit}"
    return {
        "title": np.array([catalogue.titles[i].fr for i in items["title"]], dtype=object),
        "description": np.array(description, dtype=object),
        "price": format_prices(cents, vendor.dialect.french_money, vendor.euro_space),
        "price_chf": format_prices(_round_cents(cents * CHF_PER_EUR), vendor.dialect.french_money),
        "net_content": items["net_content"].to_numpy(dtype=object),
        "shelf_life": np.where(months > 0, shelf_life, ""),
        "category": np.array([FAMILIES[f].category for f in items["family"]], dtype=object),
        "ingredients": np.array([catalogue.ingredients[i].fr for i in items["ingredients"]], dtype=object),
        "sku_head": (f"{vendor.sku_prefix}-" + codes + "-").astype(np.dtypes.StringDType()),
        "weight": items["weight"].to_numpy() / items["weight"].sum(),
    }


def draw_rows(vendor: Vendor, table: dict[str, np.ndarray], start: int, count: int,
              rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """(sheet rows start+1 … start+count under the vendor's headers, bad rows per FAULTS, items drawn)."""
    picked = rng.choice(len(table["weight"]), size=count, p=table["weight"])
    serial = np.arange(start + 1, start + count + 1, dtype=np.int64)
    cells = {name: table[name][picked]
             for name in ("title", "description", "net_content", "shelf_life", "category", "ingredients")}
    serial_text = np.strings.zfill(serial.astype(np.dtypes.StringDType()), vendor.item_digits)
    cells["sku"] = np.strings.add(table["sku_head"][picked], serial_text)
    eans = ean13(GS1_FRANCE * 10**9 + vendor.company * 10**vendor.item_digits + serial)
    cells["barcode"] = eans.astype(str).astype(object)
    stock = rng.integers(0, 500, count)
    chf = np.zeros(count, dtype=bool) if vendor.dialect.french_money else rng.random(count) < CHF_SHARE
    cells["price"] = np.where(chf, table["price_chf"][picked], table["price"][picked])
    cells["currency"] = np.where(chf, "CHF", "EUR").astype(object)
    faulty = _faulty_rows(count, rng)
    _spoil(cells, stock, eans, vendor.dialect, faulty, rng)
    cells["stock"] = stock.astype(str).astype(object)
    headers = vendor.dialect.headers
    frame = pd.DataFrame({header: cells[name] for name, header in headers.items()}, dtype=object)
    return frame, np.array([len(rows) for rows in faulty]), picked


def _faulty_rows(count: int, rng: np.random.Generator) -> list[np.ndarray]:
    """For each fault of FAULTS, the rows (about BAD_ROW_SHARE of all, one fault each) that get it."""
    bad = np.flatnonzero(rng.random(count) < BAD_ROW_SHARE)
    fault = rng.integers(0, len(FAULTS), len(bad))
    return [bad[fault == number] for number in range(len(FAULTS))]


def _spoil(cells: dict[str, np.ndarray], stock: np.ndarray, eans: np.ndarray, dialect: Dialect,
           faulty: list[np.ndarray], rng: np.random.Generator) -> None:
    """Give each faulty row its fault, in place: a price on request, an EAN Excel turned into scientific
    notation, a negative stock, a shelf life too short for E-Provence (in the order of FAULTS)."""
    price, scientific, negative, short = faulty
    cells["price"][price] = "sur demande"
    cells["barcode"][scientific] = _scientific(eans[scientific], "," if dialect.french_money else ".")
    stock[negative] = -rng.integers(1, 10, len(negative))
    cells["shelf_life"][short] = f"3 {dialect.shelf_life_unit}"


def write_vendor_sheet(vendor: Vendor, catalogue: Catalogue, path: Path,
                       entropy: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Write the vendor's sheet CHUNK_ROWS rows at a time; (bad rows per FAULTS, catalogue items used)."""
    table = vendor_table(vendor, catalogue)
    dialect = vendor.dialect
    faults = np.zeros(len(FAULTS), dtype=np.int64)
    drawn = np.zeros(len(vendor.items), dtype=bool)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=dialect.encoding, newline="") as handle:
        for number, start in enumerate(range(0, vendor.rows, CHUNK_ROWS)):
            rng = np.random.default_rng([*entropy, number])
            frame, bad, picked = draw_rows(vendor, table, start, min(CHUNK_ROWS, vendor.rows - start), rng)
            frame.to_csv(handle, sep=dialect.delimiter, index=False, header=number == 0,
                         lineterminator=dialect.line_end)
            faults += bad
            drawn[np.unique(picked)] = True
    return faults, vendor.items[drawn]


@dataclass
class _UsedTexts:
    """Which catalogue texts the written sheets contain."""

    titles: np.ndarray
    paragraphs: np.ndarray
    ingredients: np.ndarray

    @classmethod
    def none_of(cls, catalogue: Catalogue) -> _UsedTexts:
        return cls(*(np.zeros(len(texts), dtype=bool)
                     for texts in (catalogue.titles, catalogue.paragraphs, catalogue.ingredients)))

    def mark(self, catalogue: Catalogue, items: np.ndarray, vendor_paragraph: int) -> None:
        rows = catalogue.items.iloc[items]
        self.titles[rows["title"]] = True
        self.paragraphs[rows["paragraph"]] = True
        self.paragraphs[rows.loc[rows["care"] >= 0, "care"]] = True
        self.paragraphs[vendor_paragraph] = True
        self.ingredients[rows["ingredients"]] = True


def write_translations(catalogue: Catalogue, used: _UsedTexts, path: Path) -> int:
    """translations.csv (UTF-8, `source,target`): each used text once, its source normalised as the
    memory keys it; returns the number of lines."""
    lists = ((catalogue.titles, used.titles), (catalogue.paragraphs, used.paragraphs),
             (catalogue.ingredients, used.ingredients))
    terms = [term for texts, flags in lists for term, flag in zip(texts, flags, strict=True) if flag]
    frame = pd.DataFrame({"source": [normalise_segment(term.fr) for term in terms],
                          "target": [term.zh for term in terms]}).drop_duplicates("source")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return len(frame)


def generate(rows: int, vendors: int, seed: int, out: str | Path) -> SynthSummary:
    """Write `rows` product rows of `vendors` vendors to `out`/intake/<vendor_id>/<dialect>.csv, and
    `out`/translations.csv. Other files in `out` are left alone. ValueError for impossible sizes."""
    if seed < 0:
        raise ValueError(f"the seed must be zero or positive, not {seed}")
    rng = np.random.default_rng([seed, 0])
    catalogue = build_catalogue(rng)
    out = Path(out)
    used = _UsedTexts.none_of(catalogue)
    files: dict[str, int] = {}
    faults = np.zeros(len(FAULTS), dtype=np.int64)
    for number, vendor in enumerate(plan_vendors(rows, vendors, catalogue, rng), start=1):
        relative = f"intake/{vendor.vendor_id}/{vendor.dialect.file_name}"
        bad, items = write_vendor_sheet(vendor, catalogue, out / relative, [seed, number])
        used.mark(catalogue, items, vendor.paragraph)
        files[relative] = vendor.rows
        faults += bad
    distinct = write_translations(catalogue, used, out / TRANSLATIONS_FILE)
    return SynthSummary(files, dict(zip(FAULTS, faults.tolist(), strict=True)), distinct, str(out))


def main(rows: int, vendors: int, seed: int, out: str) -> SynthSummary:
    """`eprovence synth`: generate, then print what was written."""
    summary = generate(rows, vendors, seed, out)
    print("\n".join(summary.lines()))
    return summary
